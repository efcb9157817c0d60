//===- learning/algorithms/Episodes.h - The environment side -----*- C++
//-*-===//
//
// What PPO, SAC and the random baseline share on the environment side:
// episodes over a list of benchmarks (drawn at random or taken in turn),
// starting from the unoptimized module or a standard pipeline's output,
// truncated after a fixed number of steps, observed as the state kind asks
// (graph, Autophase, or both), with their returns tracked. A step that leaves
// the module unchanged keeps the previous observation rather than rebuilding
// it. ParallelEpisodes steps several of them at once, one thread each, or
// has them stepped elsewhere (RemoteEpisodes: on MPI ranks, `mpirun passgym
// train`). No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_EPISODES_H
#define PASSGYM_LEARNING_ALGORITHMS_EPISODES_H

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "learning/algorithms/RunSchedule.h"
#include "learning/inputs/State.h"

#include "llvm/Support/Error.h"

#include "llvm/Support/ThreadPool.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace passgym::learning {

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
  /// The runner of environment \p Index of Schedule.Environments: its own
  /// seeded benchmark choice (or its share of the benchmarks in turn).
  /// Fails on no benchmarks, a non-positive episode length, or an unknown
  /// reward space. The environment's observation space is not used: the
  /// runner observes what \p State needs.
  static llvm::Expected<std::unique_ptr<EpisodeRunner>>
  create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
         const RunSchedule &Schedule, StateKind State, size_t Index = 0);

  /// Resets onto the next benchmark, applies Schedule.StartFrom's pipeline
  /// and observes the result. Fails if that pipeline fails.
  llvm::Error startEpisode();
  bool inEpisode() const { return InEpisode; }
  /// Starts an episode if none is running.
  llvm::Error ensureEpisode() {
    return InEpisode ? llvm::Error::success() : startEpisode();
  }
  /// Episodes started so far: the next startEpisode() starts episode number
  /// episodesStarted().
  int64_t episodesStarted() const { return Started; }
  /// Makes the next startEpisode() start episode number \p Episode as a
  /// runner that ran every earlier one would: draws their benchmarks without
  /// running them. A runner moved to another place (another MPI rank,
  /// learning/training/DistributedEpisodes.h) is made again this way. Fails
  /// when \p Episode has already started.
  llvm::Error skipTo(int64_t Episode);

  /// Applies \p Action; afterwards observation() is the next state (the
  /// final one when the episode was truncated, unchanged when terminated).
  llvm::Expected<EpisodeStep> step(int64_t Action);

  const Observation &observation() const { return Current; }
  /// Changes whenever observation() is rebuilt, so callers can cache what
  /// they derive from it.
  uint64_t observationVersion() const { return Version; }
  Environment &environment() { return *Env; }
  int64_t numActions() const {
    return static_cast<int64_t>(Env->actions().size());
  }

private:
  EpisodeRunner(std::vector<BenchmarkPtr> Benchmarks,
                std::unique_ptr<Environment> Env, const RunSchedule &Schedule,
                StateKind State, size_t Index);
  llvm::Error rebuildObservation();
  /// The benchmark of the next episode, drawn.
  size_t drawBenchmark();

  std::vector<BenchmarkPtr> Benchmarks;
  std::unique_ptr<Environment> Env;
  RunSchedule Schedule;
  StateKind State;
  std::mt19937_64 Rng;
  size_t NextBenchmark = 0;
  int64_t Started = 0;
  bool InEpisode = false;
  Observation Current;
  uint64_t Version = 0;
  int64_t Steps = 0;
  double Return = 0;
};

/// Episode runners that live elsewhere (on MPI ranks:
/// learning/training/DistributedEpisodes.h), seen as ParallelEpisodes sees
/// its own: runner I is made, stepped and observed exactly as it would be
/// here, so a run gives the same episodes either way.
class RemoteEpisodes {
public:
  virtual ~RemoteEpisodes() = default;
  /// Makes runners 0..Schedule.Environments-1 as EpisodeRunner::create
  /// would; fails as it would, or when the place they live fails.
  virtual llvm::Error open(const std::vector<BenchmarkPtr> &Benchmarks,
                           const EnvironmentOptions &Env,
                           const RunSchedule &Schedule, StateKind State) = 0;
  virtual int64_t numActions() const = 0;
  /// As ParallelEpisodes::ensureEpisodes() and step().
  virtual llvm::Error ensureEpisodes() = 0;
  virtual llvm::Expected<std::vector<EpisodeStep>>
  step(const std::vector<int64_t> &Actions) = 0;
  /// Runner I's observation() and observationVersion().
  virtual const Observation &observation(size_t I) const = 0;
  virtual uint64_t observationVersion(size_t I) const = 0;
};

/// Schedule.Environments episode runners stepped together, like a
/// Gymnasium vector environment: one environment (and LLVMContext) each,
/// each stepped on a thread of a pool (Schedule.ParallelSteps) or in order
/// on the caller's thread, or, given Schedule.Remote, elsewhere. The results
/// are the same either way: runner I sees only its own actions and its own
/// benchmark generator.
class ParallelEpisodes {
public:
  /// Fails as EpisodeRunner::create (or Schedule.Remote's open()) does, or
  /// when Schedule.Environments is not positive or does not divide
  /// Schedule.StepsPerIteration.
  static llvm::Expected<std::unique_ptr<ParallelEpisodes>>
  create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
         const RunSchedule &Schedule, StateKind State);

  size_t size() const { return Size; }
  /// Runner I, when the runners are here (not Schedule.Remote).
  EpisodeRunner &operator[](size_t I) { return *Runners[I]; }
  int64_t numActions() const {
    return Remote ? Remote->numActions() : Runners.front()->numActions();
  }
  /// Runner I's observation() and observationVersion(), wherever it is.
  const Observation &observation(size_t I) const {
    return Remote ? Remote->observation(I) : Runners[I]->observation();
  }
  uint64_t observationVersion(size_t I) const {
    return Remote ? Remote->observationVersion(I)
                  : Runners[I]->observationVersion();
  }

  /// Starts an episode in every runner that has none.
  llvm::Error ensureEpisodes();
  /// Applies \p Actions[I] in runner I; the outcomes in the same order.
  llvm::Expected<std::vector<EpisodeStep>>
  step(const std::vector<int64_t> &Actions);

private:
  ParallelEpisodes(std::vector<std::unique_ptr<EpisodeRunner>> Runners,
                   bool Parallel);
  ParallelEpisodes(std::shared_ptr<RemoteEpisodes> Remote, size_t Size)
      : Size(Size), Remote(std::move(Remote)) {}
  /// Work(I) for every runner I, at once or in order; every failure, joined.
  llvm::Error forEach(const std::function<llvm::Error(size_t)> &Work);

  size_t Size = 0;
  /// Empty when the runners are remote.
  std::vector<std::unique_ptr<EpisodeRunner>> Runners;
  /// Null when the runners are stepped in order (or remote).
  std::unique_ptr<llvm::DefaultThreadPool> Pool;
  std::shared_ptr<RemoteEpisodes> Remote;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_EPISODES_H
