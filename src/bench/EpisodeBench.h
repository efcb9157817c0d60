//===- bench/EpisodeBench.h - An episode against one opt process ----------===//
//
// `passgym bench episode`: what a whole episode costs through the
// environment, against what a user would otherwise run: one `opt-19` process
// applying the episode's pipeline (commandline()) to the same input, start-up
// and bitcode I/O included. Per benchmark, a random episode of valid actions
// is replayed, interleaved, several times through the environment (one
// step() per action, and all of them as one multistep()) and by opt; the
// table gives medians, their ratio (above 1: the environment is faster) and
// how much of a step is spent outside LLVM's passes.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_BENCH_EPISODEBENCH_H
#define PASSGYM_BENCH_EPISODEBENCH_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym {

struct EpisodeBenchOptions {
  /// Benchmark URIs; empty means kDefaultEpisodeBenchmarks.
  std::vector<std::string> Benchmarks;
  /// Actions per episode (actions that would end it are left out).
  unsigned Actions = 50;
  /// Times each episode is replayed each way.
  unsigned Repetitions = 5;
  uint64_t Seed = 0;
  /// Where to also write the results as JSON (empty: nowhere).
  std::string JsonPath;
};

/// Small built-ins, and the 26 built-ins linked into one module of about
/// 37,000 instructions.
inline const std::vector<std::string> kDefaultEpisodeBenchmarks = {
    "benchmark://builtin-v0/crc32", "benchmark://builtin-v0/qsort",
    "benchmark://builtin-v0/jpeg_dct", "generator://linked-builtins-v0/26"};

llvm::Error runEpisodeBench(const EpisodeBenchOptions &Options,
                            llvm::raw_ostream &Out,
                            const std::function<void(double)> &Progress);

} // namespace passgym

#endif
