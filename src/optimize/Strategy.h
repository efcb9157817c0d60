//===- optimize/Strategy.h - Search strategies over pipelines ---------------===//
//
// A strategy proposes candidates (pipelines) from what has been evaluated so
// far; the search loop evaluates them in batches (in parallel), keeps the
// history and the best, and stops at the budget or when the strategy has
// nothing left to propose. Each strategy is one file:
//   random     uniformly random sequences of actions (CompilerGym's random
//              search, as a baseline);
//   greedy     from the best so far, every insertable action appended; the
//              best extension becomes the next start, until none improves;
//   beam       greedy with the best few candidates extended at once;
//   evolution  (1+lambda): edits (optimize/Pipeline.h) of the best so far,
//              starting from the best standard pipeline;
//   policy     what a proposal source outside the search offers, e.g.
//              sequences sampled from a trained policy (`passgym propose`).
// `auto` is evolution: it starts from -O3/-Oz, so it makes progress on
// programs of any size (a search from nothing does not get near -O3 on a
// large program within minutes).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OPTIMIZE_STRATEGY_H
#define PASSGYM_OPTIMIZE_STRATEGY_H

#include "optimize/Evaluator.h"
#include "optimize/Pipeline.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace passgym {

/// What a strategy sees.
struct SearchState {
  /// Standard pipelines as element lists, the objective's best first.
  std::vector<Candidate> Seeds;
  EditSpace Edits;
  /// Every candidate evaluated, in order.
  std::vector<Evaluation> History;
  /// The pipeline texts of History, to skip candidates seen before.
  std::set<std::string> Seen;
  /// Index in History of the lowest-cost valid candidate.
  std::optional<size_t> Best;

  /// Appends \p E, updating Seen and Best (ties keep the earlier, shorter
  /// pipelines being no worse).
  void add(Evaluation E);
  const Evaluation *best() const { return Best ? &History[*Best] : nullptr; }
  bool seen(const Candidate &C) const;
};

class Strategy {
public:
  virtual ~Strategy();
  /// Up to \p Count candidates to evaluate next (candidates already seen are
  /// skipped by the loop); none when the strategy has nothing left to try.
  virtual std::vector<Candidate> propose(const SearchState &State,
                                         size_t Count,
                                         std::mt19937_64 &Random) = 0;
};

#define PASSGYM_STRATEGY(Kind, Name, Description) Kind,
enum class StrategyKind {
#include "optimize/Strategies.def"
};

/// The strategies, in the table's order.
const std::vector<StrategyKind> &strategyKinds();
llvm::StringRef strategyName(StrategyKind Kind);
llvm::StringRef strategyDescription(StrategyKind Kind);
std::optional<StrategyKind> parseStrategy(llvm::StringRef Name);

/// Candidates from outside the search; \p Round counts the calls, so that
/// each call may offer others.
using ProposalSource = std::function<std::vector<Candidate>(size_t Count,
                                                            uint64_t Round)>;

struct StrategyOptions {
  /// Random: actions per sequence (lengths 1 to this).
  size_t EpisodeLength = 30;
  /// Beam: candidates extended at once.
  size_t BeamWidth = 4;
  /// Policy: where the candidates come from (required).
  ProposalSource Proposals;
};

std::unique_ptr<Strategy> makeStrategy(StrategyKind Kind,
                                       const StrategyOptions &Options = {});

struct SearchLimits {
  std::chrono::duration<double> Time{60};
  /// None: only the time limits the search.
  std::optional<uint64_t> Candidates;
  /// Candidates evaluated together (the parallel jobs share a batch).
  size_t BatchSize = 8;
};

/// The batch size for \p Jobs parallel evaluators: one job alone keeps
/// batches small (each batch informs the next); parallel jobs need several
/// candidates each per batch, or they wait for the batch's slowest.
size_t batchSizeFor(unsigned Jobs);

/// Called after every batch.
using SearchObserver = std::function<void(const SearchState &)>;

/// Runs \p S from \p State until \p Limits or until it proposes nothing new.
/// Evaluation times (Evaluation::At) count from \p Started.
void runSearch(Strategy &S, SearchState &State, const BatchEvaluator &Evaluate,
               const SearchLimits &Limits, uint64_t Seed,
               std::chrono::steady_clock::time_point Started,
               const SearchObserver &Observe = {});

} // namespace passgym

#endif
