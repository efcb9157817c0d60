//===- distributed/Messages.h - Tagged messages between MPI ranks ---------===//
//
// What every distributed command says through: a message is a text (JSON, or
// the bytes of a MessageWriter) and a tag saying what it is. A send gives up
// at a deadline (a dead receiver never takes a message too large to be
// buffered); a receive polls (MPI_Iprobe, then a kPollInterval sleep)
// instead of blocking: Open MPI's blocking calls spin a core at full speed,
// which a rank sharing its core with the work needs, and polling lets the
// caller notice a rank that stopped answering. No MPI header here; built
// without MPI, every call fails with a one-line error.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DISTRIBUTED_MESSAGES_H
#define PASSGYM_DISTRIBUTED_MESSAGES_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <optional>
#include <string>

namespace passgym {

using RankClock = std::chrono::steady_clock;

/// What a message is; each command's protocol says what it carries.
enum RankTag : int {
  /// Rank 0 to the others: the work to set up (optimize: the evaluator's
  /// job; train: the environments).
  JobTag = 1,
  /// The answer to a job: ready, or why not.
  ReadyTag,
  /// Rank 0 to a rank: one piece of work (a candidate; actions).
  TaskTag,
  /// The answer to a task.
  ResultTag,
  /// Rank 0 to the others: the run is over.
  StopTag,
};

/// Any sender or any tag, for receiveIfArrived() and receiveFrom().
inline constexpr int kAnyRank = -1;
inline constexpr int kAnyTag = -1;

/// Between polls: well below a step or an evaluation (a millisecond at the
/// least), and few enough wake-ups not to cost a waiting rank its CPU.
inline constexpr std::chrono::microseconds kPollInterval(100);
/// How long the rest of a message whose start has arrived may take; a
/// sender that takes longer is taken for stopped or dead.
inline constexpr std::chrono::seconds kMessageCompletion(10);

struct RankMessage {
  unsigned From = 0;
  int Tag = 0;
  std::string Text;
};

/// Sends \p Text to rank \p To, giving up at \p Deadline.
llvm::Error sendTo(unsigned To, int Tag, llvm::StringRef Text,
                   RankClock::time_point Deadline);

/// A message from \p From with tag \p Tag (kAnyRank, kAnyTag allowed) if one
/// has arrived; an error if the rest of it does not come within
/// kMessageCompletion.
llvm::Expected<std::optional<RankMessage>> receiveIfArrived(int From, int Tag);

/// Polls for a message from \p From with tag \p Tag until \p Deadline.
llvm::Expected<RankMessage> receiveFrom(int From, int Tag,
                                        RankClock::time_point Deadline);

/// Ranks > 0: receives rank 0's messages and sends back what \p Answer makes
/// of each: a ReadyTag message for a JobTag one, a ResultTag message for a
/// TaskTag one, until rank 0 sends StopTag; the stop message's text. Rank 0
/// may take as long as it likes between two messages. Fails on an unknown
/// tag, an error of \p Answer, or a message rank 0 does not take.
llvm::Expected<std::string> answerUntilStopped(
    llvm::function_ref<llvm::Expected<std::string>(const RankMessage &)>
        Answer);

/// "What: MPI's text for Code".
llvm::Error mpiError(llvm::StringRef What, int Code);

} // namespace passgym

#endif // PASSGYM_DISTRIBUTED_MESSAGES_H
