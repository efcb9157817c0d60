//===- cli/Common.h - What the subcommands share --------------------------===//
#ifndef PASSGYM_CLI_COMMON_H
#define PASSGYM_CLI_COMMON_H

#include "actions/ActionSpace.h"
#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "optimize/Strategy.h"

#include "llvm/Support/Error.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class Validator;
} // namespace CLI

namespace llvm {
class Module;
} // namespace llvm

namespace passgym::cli {

/// A whole number from \p Min to \p Max, in decimal: "-5" is refused where
/// \p Min is not negative (instead of wrapping around), and the message says
/// the range in digits a person can read.
CLI::Validator wholeNumber(int64_t Min, int64_t Max);
/// A finite number (not NaN, not infinite) from \p Min to \p Max.
CLI::Validator realNumber(double Min, double Max);

/// What --actions accepts: an action file that exists, or builtin:NAME.
CLI::Validator actionSpaceArgument();
/// The largest count an option takes: far beyond any real use, far from
/// overflowing anything it is multiplied with.
inline constexpr int64_t kMaxCount = 1'000'000'000'000;

/// Prints "passgym: error: MESSAGE" on stderr and returns exit code 1.
/// passgym-learn, the executable of the learning commands, beside this one.
std::string learningBinary();

/// Pass sequences sampled for \p Benchmark from the trained policy in
/// \p Policy by `passgym-learn propose`, so that torch stays out of this
/// process; at least 16 a call, since each call loads the policy. A failure
/// is said once on stderr and ends the proposals.
ProposalSource policyProposals(const std::string &Benchmark,
                               const std::string &Policy,
                               const std::string &ActionsFile, uint64_t Seed);

/// A time budget: "90", "90s", "10m", "1h" or "1.5h", in seconds; none for
/// anything else, for zero or less, and for more than a week.
std::optional<double> parseDuration(llvm::StringRef Text);

int reportError(llvm::Error E);

/// Makes a subcommand's callback call \p Run and exit with its result.
void runWith(CLI::App &Command, std::function<int()> Run);

/// Loads \p Benchmark, starts an episode with the given action space file
/// (empty: built-in) and reward space, and applies \p Sequence (names or
/// indices); a step that ends the episode is an error. \p Options gives
/// the rest (reward space, measurement, isolation); its action space is
/// replaced by the file's.
llvm::Expected<std::unique_ptr<Environment>>
replay(const std::string &Benchmark, const std::string &ActionsFile,
       const std::vector<std::string> &Sequence,
       EnvironmentOptions Options = {});

/// Binds --isolation (worker or in-process) to \p Into. Commands default to
/// worker isolation, so that LLVM crashing or hanging on a program never
/// takes passgym down.
void addIsolationOption(CLI::App &Command, Isolation &Into);

/// Writes \p M to \p Path atomically: bitcode for a .bc path, IR text
/// otherwise; "-" is stdout.
llvm::Error writeModule(const llvm::Module &M, const std::string &Path);

/// Splits "a,b c" into {"a", "b", "c"}; pipelines containing commas inside
/// parentheses or angle brackets stay whole.
std::vector<std::string> splitSequence(const std::vector<std::string> &Items);

/// A one-line progress bar on stderr, redrawn at most ten times a second and
/// only when stderr is a terminal.
class ProgressBar {
public:
  explicit ProgressBar(std::string Label);
  ~ProgressBar();
  /// \p Fraction in [0, 1]; \p Status is shown after the bar.
  void update(double Fraction, const std::string &Status);
  void finish();

private:
  std::string Label;
  bool Enabled;
  bool Drawn = false;
  std::chrono::steady_clock::time_point LastDraw;
};

} // namespace passgym::cli

#endif
