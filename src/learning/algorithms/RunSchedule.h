//===- learning/algorithms/RunSchedule.h - Steps and seeds ------*- C++ -*-===//
//
// The settings every agent's run shares, with their defaults in one place:
// PpoOptions and SacOptions hold one each, the random baseline runs on one,
// and the command line overrides what the user passes. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_RUNSCHEDULE_H
#define PASSGYM_LEARNING_ALGORITHMS_RUNSCHEDULE_H

#include <algorithm>
#include <cstdint>

namespace passgym::learning {

/// The settings every agent's run shares (CleanRL's seed, total_timesteps
/// and num_steps); PpoOptions and SacOptions hold one each.
struct RunSchedule {
  /// Seeds torch (initialization, sampling, shuffles), the agent's own
  /// generators and the benchmark choice.
  uint64_t Seed = 1;
  /// Environment steps in total; the run is TotalSteps / StepsPerIteration
  /// iterations (at least one).
  int64_t TotalSteps = 10000;
  /// An episode is truncated after this many steps. Truncation is not
  /// termination: the final observation still has a future.
  int64_t EpisodeLength = 30;
  /// Steps per iteration: one metrics row (and PPO's rollout). Episodes
  /// carry over from one iteration to the next.
  int64_t StepsPerIteration = 256;
  /// Each episode starts on a benchmark drawn uniformly at random (seeded);
  /// otherwise the benchmarks are taken in turn. Alike with one benchmark.
  bool RandomBenchmarks = true;

  int64_t iterations() const {
    return std::max<int64_t>(1, TotalSteps / StepsPerIteration);
  }
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_RUNSCHEDULE_H
