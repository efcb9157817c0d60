//===- bench/SoakBench.h - Random episodes until something breaks ---------===//
//
// `passgym bench soak`: random episodes with worker isolation over built-in,
// csmith and llvm-stress programs, and every so often one of the known
// hostile episodes (a pass that crashes LLVM, one that corrupts the heap,
// NewGVN never returning). The episodes run in host processes of their own,
// a chunk at a time, so that the soak can count what it exists to rule out:
// a host process that crashed (ended by a signal) or hung (ran past its
// time). Reports episodes, steps, the failures the environment recovered
// from by kind, and host crashes and hangs.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_BENCH_SOAKBENCH_H
#define PASSGYM_BENCH_SOAKBENCH_H

#include "llvm/Support/Error.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym {

struct SoakOptions {
  uint64_t Episodes = 10000;
  unsigned EpisodeLength = 50;
  /// Episodes per host process.
  uint64_t Chunk = 500;
  /// Every this many episodes, one of the known hostile episodes.
  uint64_t HostileEvery = 100;
  /// Per step; the known hang costs this much each time it comes round.
  std::chrono::milliseconds StepTimeout{5000};
  uint64_t Seed = 0;
  /// The passgym executable, run as the host processes.
  std::string Executable;
  std::string JsonPath;
};

/// Runs the soak, printing a table to \p Out.
llvm::Error runSoak(const SoakOptions &Options, llvm::raw_ostream &Out,
                    const std::function<void(double)> &Progress);

/// What a host process does: episodes [\p First, \p First + \p Count) of the
/// soak, their counts printed to \p Out as one JSON line.
llvm::Error runSoakChunk(const SoakOptions &Options, uint64_t First,
                         uint64_t Count, llvm::raw_ostream &Out);

} // namespace passgym

#endif
