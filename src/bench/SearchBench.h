//===- bench/SearchBench.h - The strategies of `optimize`, side by side ---===//
//
// `passgym bench search`: every strategy of `optimize` at the same budget per
// program, for one objective, against the standard level users compare with
// (-O3 for run time, -Oz for size and instruction count); and, at the same
// budget, the search a user could run without passgym: random sequences of
// the same actions, each applied by one `opt-19` process. Per program and
// strategy: candidates per second, the search's best and `optimize`'s answer
// (minimized, validated, re-measured for run time) as ratios to the reference
// (above 1: better); then geometric means per strategy.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_BENCH_SEARCHBENCH_H
#define PASSGYM_BENCH_SEARCHBENCH_H

#include "actions/ActionSpace.h"
#include "optimize/Optimize.h"

#include "llvm/Support/Error.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym {

struct SearchBenchOptions {
  /// Benchmark URIs; empty means kDefaultSearchBenchmarks.
  std::vector<std::string> Benchmarks;
  Objective Goal = Objective::InstCount;
  /// Search time per program and strategy.
  std::chrono::duration<double> Budget{20};
  /// Empty means every strategy (the policy strategy only with PolicyFor).
  std::vector<StrategyKind> Strategies;
  /// The policy strategy's candidates for a benchmark URI.
  std::function<ProposalSource(const std::string &Uri)> PolicyFor;
  /// Actions that the searches, the opt-19 one included, may insert; null:
  /// the built-in space.
  std::shared_ptr<const ActionSpace> Actions;
  /// Also run the random search through `opt-19` processes.
  bool OptProcessBaseline = true;
  unsigned Jobs = 1;
  uint64_t Seed = 0;
  std::shared_ptr<MeasurementContext> Measurement;
  /// Where to also write the results as JSON (empty: nowhere).
  std::string JsonPath;
};

inline const std::vector<std::string> kDefaultSearchBenchmarks = {
    "benchmark://builtin-v0/crc32", "benchmark://builtin-v0/qsort",
    "benchmark://builtin-v0/jpeg_dct", "benchmark://builtin-v0/sha256"};

/// \p Progress receives the fraction done and a line saying what runs.
llvm::Error
runSearchBench(const SearchBenchOptions &Options, llvm::raw_ostream &Out,
               const std::function<void(double, llvm::StringRef)> &Progress);

} // namespace passgym

#endif
