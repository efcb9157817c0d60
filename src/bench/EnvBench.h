//===- bench/EnvBench.h - How fast the environment is ---------------------===//
//
// `passgym bench env`: the environment's costs measured against the
// subprocess way of doing the same work, in one run, as medians and ratios.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_BENCH_ENVBENCH_H
#define PASSGYM_BENCH_ENVBENCH_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym {

struct EnvBenchOptions {
  /// Benchmark URIs; empty means every built-in program.
  std::vector<std::string> Benchmarks;
  /// Random actions timed per benchmark (each both ways).
  unsigned StepsPerBenchmark = 12;
  /// Repetitions of the fork and object-size measurements per benchmark.
  unsigned Repetitions = 5;
  /// Instructions in the generated module used for the fork target.
  unsigned LargeModuleInstructions = 5000;
  uint64_t Seed = 0;
  /// Where to also write the results as JSON (empty: nowhere).
  std::string JsonPath;
};

/// Runs the benchmark and prints its table to \p Out; \p Progress gets the
/// fraction done.
llvm::Error runEnvBench(const EnvBenchOptions &Options, llvm::raw_ostream &Out,
                        const std::function<void(double)> &Progress);

} // namespace passgym

#endif
