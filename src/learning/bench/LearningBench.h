//===- learning/bench/LearningBench.h - How fast learning is ----*- C++ -*-===//
//
// `passgym bench learning`: what a rollout and a training update cost on the
// CPU, next to the environment's own step, per benchmark:
//   - forward plus backward of one training batch (copies of the program's
//     ProGraML graph), per batch and per node;
//   - one policy step as a rollout takes it: build the graph of the current
//     module, batch it, run the network without gradient, sample an action;
//   - one random environment step (IrInstructionCount reward, no
//     observation);
//   - PPO's rollout steps per second with one environment and with several
//     stepped at once (PpoTrainer::collectRollout);
// and the ratios of the policy step to the environment step and of the
// rollout speeds.
//
// This header does not include torch, so the CLI can call it without paying
// for torch's headers.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_BENCH_LEARNINGBENCH_H
#define PASSGYM_LEARNING_BENCH_LEARNINGBENCH_H

#include "learning/networks/NetworkOptions.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym::learning {

struct LearningBenchOptions {
  /// Benchmark URIs; empty means a spread of built-in programs: five, from
  /// the smallest ProGraML graph to the largest.
  std::vector<std::string> Benchmarks;
  /// PPO's network (encoder, shared by a policy and a value head): its state
  /// kind, encoder, width and depth; the sizes are set from the benchmarks.
  NetworkOptions Network;
  /// States per training batch (copies of the same program's).
  int64_t BatchSize = 16;
  /// Timed repetitions per measurement, after one untimed warm-up.
  unsigned Repetitions = 10;
  /// Random environment steps timed per benchmark.
  unsigned Steps = 12;
  /// Rollouts are timed with one environment and with this many (0: as many
  /// as the machine has cores, but at least 2).
  unsigned Environments = 0;
  /// Steps per environment in each timed rollout.
  unsigned RolloutSteps = 8;
  /// Seeds torch (network initialization, action sampling) and the random
  /// environment actions.
  uint64_t Seed = 0;
  /// Where to also write the results as JSON (empty: nowhere).
  std::string JsonPath;
};

/// Runs the benchmark and prints its table to \p Out; \p Progress gets the
/// fraction done. Fails on bad options (a size below 1)
/// or a benchmark that cannot be loaded; a measurement that fails on one
/// benchmark is reported as failed in the table and the JSON instead.
llvm::Error runLearningBench(const LearningBenchOptions &Options,
                             llvm::raw_ostream &Out,
                             const std::function<void(double)> &Progress);

} // namespace passgym::learning

#endif
