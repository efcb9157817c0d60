//===- bench/ProxyBench.h - How well the run-time proxy ranks variants ----===//
//
// `passgym bench proxy`: random variants of runnable benchmarks (random
// sequences of the built-in passes applied to the unoptimized module), each
// measured with the Runtime cost (cache off) and estimated with the MCA
// proxy (costs/RuntimeProxy.h). Reports Spearman's rank correlation between
// the two within each benchmark and over all variants pooled, and what one
// proxy estimate costs next to one measurement.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_BENCH_PROXYBENCH_H
#define PASSGYM_BENCH_PROXYBENCH_H

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

struct ProxyBenchOptions {
  /// Benchmark URIs; empty means every built-in program.
  std::vector<std::string> Benchmarks;
  /// Random variants per benchmark.
  unsigned Variants = 12;
  /// Random actions applied to make a variant.
  unsigned EpisodeLength = 20;
  std::optional<unsigned> Cpu;
  uint64_t Seed = 0;
  std::string JsonPath;
};

/// Spearman's rank correlation of \p X and \p Y (ties get their mean rank);
/// NaN with fewer than two pairs or a constant side.
double spearman(const std::vector<double> &X, const std::vector<double> &Y);

llvm::Error runProxyBench(const ProxyBenchOptions &Options,
                          llvm::raw_ostream &Out,
                          const std::function<void(double)> &Progress);

} // namespace passgym

#endif
