//===- learning/Episodes.h - Episodes for the training loops ----*- C++ -*-===//
//
// What PPO and SAC share on the environment side: episodes over a list of
// benchmarks (taken in turn or drawn at random), truncated after a fixed
// number of steps, observed as ProGraML graphs, with their returns tracked.
// A step that leaves the module unchanged keeps the previous graph rather
// than rebuilding it. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_EPISODES_H
#define PASSGYM_LEARNING_EPISODES_H

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "graph/ProgramGraph.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace passgym::learning {

struct EpisodeOptions {
  /// An episode is truncated after this many steps. Truncation is not
  /// termination: the final observation still has a future.
  int64_t EpisodeLength = 50;
  /// Each episode starts on a benchmark drawn uniformly at random (seeded);
  /// otherwise the benchmarks are taken in turn.
  bool RandomBenchmarks = false;
  uint64_t Seed = 1;
};

/// The outcome of one step.
struct EpisodeStep {
  double Reward = 0;
  /// The environment ended the episode (a failed pass or validation): no
  /// future value.
  bool Terminated = false;
  /// The step limit ended the episode; observation() is its final state
  /// until the next startEpisode().
  bool Truncated = false;
  /// The undiscounted return of the episode that this step ended.
  std::optional<double> EpisodeReturn;

  bool ended() const { return Terminated || Truncated; }
};

class EpisodeRunner {
public:
  /// Fails on no benchmarks, a non-positive episode length, or an unknown
  /// reward space. The environment's observation space is not used.
  static llvm::Expected<std::unique_ptr<EpisodeRunner>>
  create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
         EpisodeOptions Options);

  /// Resets onto the next benchmark and builds its graph.
  llvm::Error startEpisode();
  bool inEpisode() const { return InEpisode; }
  /// Starts an episode if none is running.
  llvm::Error ensureEpisode() {
    return InEpisode ? llvm::Error::success() : startEpisode();
  }

  /// Applies \p Action; afterwards observation() is the next state (the
  /// final one when the episode was truncated, unchanged when terminated).
  llvm::Expected<EpisodeStep> step(int64_t Action);

  const graph::ProgramGraph &observation() const { return Current; }
  /// Changes whenever observation() is rebuilt, so callers can cache what
  /// they derive from it.
  uint64_t observationVersion() const { return Version; }
  Environment &environment() { return *Env; }
  int64_t numActions() const {
    return static_cast<int64_t>(Env->actions().size());
  }

private:
  EpisodeRunner(std::vector<BenchmarkPtr> Benchmarks,
                std::unique_ptr<Environment> Env, EpisodeOptions Options);
  llvm::Error rebuildObservation();

  std::vector<BenchmarkPtr> Benchmarks;
  std::unique_ptr<Environment> Env;
  EpisodeOptions Options;
  std::mt19937_64 Rng;
  size_t NextBenchmark = 0;
  bool InEpisode = false;
  graph::ProgramGraph Current;
  uint64_t Version = 0;
  int64_t Steps = 0;
  double Return = 0;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_EPISODES_H
