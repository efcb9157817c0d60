//===- learning/algorithms/RunSchedule.h - Steps and seeds ------*- C++ -*-===//
//
// The settings every agent's run shares, with their defaults in one place:
// PpoOptions and SacOptions hold one each, the random baseline runs on one,
// and the command line overrides what the user passes. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_RUNSCHEDULE_H
#define PASSGYM_LEARNING_ALGORITHMS_RUNSCHEDULE_H

#include "costs/Cost.h"
#include "learning/support/NameTable.h"

#include <algorithm>
#include <cstdint>
#include <memory>

namespace passgym::learning {

class RemoteEpisodes;

/// The standard pipelines an episode may start from, as --start-from spells
/// them: "none" (the unoptimized module) or LLVM's -O2, -O3, -Os, -Oz.
inline constexpr NameTable<Baseline, 5> kStartFromNames{{
    {Baseline::O0, "none"},
    {Baseline::O2, "O2"},
    {Baseline::O3, "O3"},
    {Baseline::Os, "Os"},
    {Baseline::Oz, "Oz"},
}};

/// The settings every agent's run shares (CleanRL's seed, total_timesteps,
/// num_steps and num_envs); PpoOptions and SacOptions hold one each.
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
  /// Steps per iteration, of all environments together: one metrics row
  /// (and PPO's rollout, CleanRL's batch_size = num_envs * num_steps).
  /// Must be a multiple of Environments. Episodes carry over from one
  /// iteration to the next.
  int64_t StepsPerIteration = 256;
  /// Environments stepped together (CleanRL's num_envs): each step observes
  /// all of them, runs the policy once over the batch of their states and
  /// applies one action in each. Environment I draws its benchmarks from a
  /// generator of its own, seeded from Seed and I (environment 0 from Seed
  /// alone, so one environment is the single-environment run).
  int64_t Environments = 1;
  /// Step the environments at once, one thread each; otherwise one after
  /// the other on the caller's thread. The same seed gives the same episodes
  /// either way; run-time rewards measured at once share the CPU cores.
  bool ParallelSteps = true;
  /// The standard pipeline applied right after each reset, before the first
  /// observation (O0: none): the agent then learns to improve on -O3's
  /// output, say. Its reward is not part of the episode's return.
  Baseline StartFrom = Baseline::O0;
  /// Each episode starts on a benchmark drawn uniformly at random (seeded);
  /// otherwise the benchmarks are taken in turn. Alike with one benchmark.
  bool RandomBenchmarks = true;
  /// Where the environments live: null for this process (ParallelSteps);
  /// otherwise elsewhere, made and stepped through this (on MPI ranks under
  /// `mpirun passgym train`, docs/mpi.md), with the same episodes.
  std::shared_ptr<RemoteEpisodes> Remote;

  int64_t iterations() const {
    return std::max<int64_t>(1, TotalSteps / StepsPerIteration);
  }
  /// Steps each environment takes per iteration (CleanRL's num_steps).
  int64_t stepsPerEnvironment() const {
    return StepsPerIteration / Environments;
  }
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_RUNSCHEDULE_H
