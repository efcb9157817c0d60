//===- bench/RuntimeBench.h - How fast and how steady the runtime reward is =//
//
// `passgym bench runtime`: on runnable benchmarks, the wall time of one step
// with the Runtime reward (pass, compile, link, measurement and validation
// included, cache off); the repeatability of the estimate the Runtime cost
// reports (coefficient of variation of 10 independent measurements of the
// same -O3 binary); and the
// speed-up the measurement cache gives when an episode is replayed.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_BENCH_RUNTIMEBENCH_H
#define PASSGYM_BENCH_RUNTIMEBENCH_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym {

struct RuntimeBenchOptions {
  /// Benchmark URIs; empty means every built-in program.
  std::vector<std::string> Benchmarks;
  /// Runtime-reward steps timed per benchmark (cache off).
  unsigned Steps = 5;
  /// Independent measurements of one binary for the repeatability figure.
  unsigned Repetitions = 10;
  /// Actions in the episode replayed for the cache speed-up.
  unsigned EpisodeLength = 10;
  std::optional<unsigned> Cpu;
  uint64_t Seed = 0;
  std::string JsonPath;
};

llvm::Error runRuntimeBench(const RuntimeBenchOptions &Options,
                            llvm::raw_ostream &Out,
                            const std::function<void(double)> &Progress);

} // namespace passgym

#endif
