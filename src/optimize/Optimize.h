//===- optimize/Optimize.h - Faster than -O3, smaller than -Oz, verified ----===//
//
// `passgym optimize`: the standard pipelines (-O0, -O2, -O3, -Os, -Oz) are
// measured first and are candidates like any other; a strategy
// (optimize/Strategy.h) searches from them within the budget; the best
// candidate is minimized (top-level elements whose removal keeps its cost
// are removed) and checked: its program must behave as the unoptimized one,
// and for run time it must beat -O3 when the two are re-measured interleaved
// (optimize/Remeasure.h). Otherwise the answer is the best standard pipeline,
// and the report says so: the answer is never worse than the baseline.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OPTIMIZE_OPTIMIZE_H
#define PASSGYM_OPTIMIZE_OPTIMIZE_H

#include "costs/Cost.h"
#include "env/Environment.h"
#include "optimize/Remeasure.h"
#include "optimize/Strategy.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace passgym {

enum class Objective { Runtime, Size, InstCount };

std::optional<Objective> parseObjective(llvm::StringRef Name);
llvm::StringRef objectiveName(Objective O);
CostFunction costOf(Objective O);
/// What the objective is compared with: -O3 for run time, -Oz for size.
Baseline referenceOf(Objective O);

/// Makes the search's evaluator from the benchmark, the environment options
/// and the cost that optimize evaluates with.
using EvaluatorFactory = std::function<llvm::Expected<BatchEvaluator>(
    BenchmarkPtr, const EnvironmentOptions &, CostFunction)>;

struct OptimizeOptions {
  Objective Goal = Objective::Runtime;
  /// Wall time of the search phase.
  std::chrono::duration<double> Budget{600};
  /// Stop the search after this many candidates (none: the budget only).
  std::optional<uint64_t> Candidates;
  StrategyKind Strategy = StrategyKind::Auto;
  StrategyOptions Strategies;
  /// Parallel evaluators, each with its own worker process.
  unsigned Jobs = 1;
  /// Pin job I's measured runs to CPU I.
  bool PinCpus = false;
  uint64_t Seed = 0;
  /// Actions that searches may insert; null: the built-in space.
  std::shared_ptr<const ActionSpace> Actions;
  passgym::Isolation Isolation = Isolation::Worker;
  /// Run times: how they are measured and cached. Null: default options and
  /// no persistent cache, so that every run time compared was measured in
  /// this run.
  std::shared_ptr<MeasurementContext> Measurement;
  /// Interleaved pairs of runs when a finalist is re-measured against -O3.
  unsigned RemeasurePairs = 21;
  /// Run time: candidates re-measured against -O3 at the end (the minimized
  /// best and the next cheapest).
  unsigned Finalists = 3;
  /// Evaluates the baselines, the search and the minimization instead of
  /// Jobs local evaluators when set (other MPI ranks, distributed/). The
  /// re-measurement against -O3 and the validation stay in this process, so
  /// that a speed-up compares measurements of one host.
  EvaluatorFactory Evaluators;
  /// Candidates that an earlier run on the same benchmark and objective
  /// evaluated (its checkpoint): part of the history from the start, never
  /// evaluated again. Their run times were measured in that run; the
  /// baselines and the final re-measurement against -O3 are this run's.
  std::vector<Evaluation> Resumed;
};

/// One rank of an MPI job that evaluated candidates (distributed/).
struct RankShare {
  unsigned Rank = 0;
  /// Host name and CPU model: where its run times were measured.
  std::string Host;
  uint64_t Candidates = 0;
  /// Seconds it spent evaluating them.
  double Seconds = 0;
  /// Whether it stopped answering during the run (its task went elsewhere).
  bool Lost = false;
};

/// How candidates were shared out among the ranks of an MPI job.
struct DistributedSummary {
  /// Rank 0 (the coordinator, which evaluates none) first.
  std::vector<RankShare> Ranks;
  uint64_t Tasks = 0;
  /// Candidates given to a rank that was then lost (it did not take the
  /// candidate, or did not answer it in time) and given to another.
  uint64_t Reissued = 0;
  /// Bytes of the messages carrying candidates out and results back.
  uint64_t TaskBytes = 0, ResultBytes = 0;
  /// Rank 0's wait for a result minus the rank's evaluation time, summed:
  /// messages, polling and queueing.
  double CommunicationSeconds = 0;
};

struct BaselineResult {
  Baseline Level;
  Candidate Pipeline;
  Evaluation Result;
};

struct OptimizeReport {
  std::string Benchmark;
  Objective Goal;
  StrategyKind Strategy;
  unsigned Jobs = 1;
  std::vector<BaselineResult> Baselines;
  /// Everything evaluated, baselines first.
  SearchState Search;
  /// The best candidate of the search, and after minimization.
  Candidate Found, Minimized;
  double FoundCost = 0, MinimizedCost = 0;
  /// Run time only: the chosen finalist against -O3, interleaved; when
  /// several finalists were compared, a fresh comparison of the chosen one.
  std::optional<Comparison> Remeasured;
  unsigned FinalistsRemeasured = 0;
  /// Whether the minimized candidate beats the reference baseline (and
  /// behaves as the unoptimized program).
  bool Won = false;
  /// Why a candidate that looked better is not the answer, when that is so.
  std::string NotWonBecause;
  /// The answer: the winning candidate when Won, else the reference
  /// baseline's pipeline.
  Candidate Answer;
  double AnswerCost = 0;
  /// "valid", "not runnable (not checked)", or why it is invalid.
  std::string Validation;
  uint64_t CacheHits = 0, CacheMisses = 0;
  /// Candidates taken from OptimizeOptions::Resumed (those not seen again
  /// among the baselines).
  uint64_t Resumed = 0;
  /// When other MPI ranks evaluated the candidates; set by the caller that
  /// made OptimizeOptions::Evaluators.
  std::optional<DistributedSummary> Distributed;
  /// Seconds per phase: baselines, search, minimize, check.
  double BaselineSeconds = 0, SearchSeconds = 0, MinimizeSeconds = 0,
         CheckSeconds = 0;

  const BaselineResult *baseline(Baseline Level) const;
};

/// Called after each batch of the search with the state so far.
using OptimizeObserver = std::function<void(const SearchState &)>;

llvm::Expected<OptimizeReport> optimize(BenchmarkPtr B,
                                        const OptimizeOptions &Options,
                                        const OptimizeObserver &Observe = {});

/// Writes pipeline.txt (the answer's `opt-19 -passes=` text), opt-options.txt
/// (the options that command needs, when it needs any), program.bc (and
/// program, for a runnable benchmark), report.json, report.md and
/// progress.svg into \p Directory (created).
llvm::Error writeOptimizeOutputs(const OptimizeReport &Report,
                                 BenchmarkPtr B,
                                 const OptimizeOptions &Options,
                                 const std::string &Directory);

} // namespace passgym

#endif
