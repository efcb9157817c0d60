//===- learning/algorithms/Episodes.cpp - The environment side ------------===//
#include "learning/algorithms/Episodes.h"

namespace passgym::learning {

llvm::Expected<std::unique_ptr<EpisodeRunner>>
EpisodeRunner::create(std::vector<BenchmarkPtr> Benchmarks,
                      EnvironmentOptions Env, const RunSchedule &Schedule,
                      StateKind State) {
  if (Benchmarks.empty())
    return llvm::createStringError("training needs at least one benchmark");
  if (Schedule.EpisodeLength < 1 || Schedule.StepsPerIteration < 1)
    return llvm::createStringError(
        "the episode length and the steps per iteration must be positive");
  Env.ObservationSpace.clear();
  auto E = Environment::create(std::move(Env));
  if (!E)
    return E.takeError();
  return std::unique_ptr<EpisodeRunner>(
      new EpisodeRunner(std::move(Benchmarks), std::move(*E), Schedule, State));
}

EpisodeRunner::EpisodeRunner(std::vector<BenchmarkPtr> Benchmarks,
                             std::unique_ptr<Environment> Env,
                             const RunSchedule &Schedule, StateKind State)
    : Benchmarks(std::move(Benchmarks)), Env(std::move(Env)),
      Schedule(Schedule), State(State), Rng(Schedule.Seed) {}

llvm::Error EpisodeRunner::rebuildObservation() {
  auto M = Env->module();
  if (!M)
    return M.takeError();
  auto O = observe(*M, State);
  if (!O)
    return O.takeError();
  Current = std::move(*O);
  ++Version;
  return llvm::Error::success();
}

llvm::Error EpisodeRunner::startEpisode() {
  size_t Index;
  if (Schedule.RandomBenchmarks) {
    Index =
        std::uniform_int_distribution<size_t>(0, Benchmarks.size() - 1)(Rng);
  } else {
    Index = NextBenchmark;
    NextBenchmark = (NextBenchmark + 1) % Benchmarks.size();
  }
  if (auto R = Env->reset(Benchmarks[Index]); !R)
    return R.takeError();
  if (llvm::Error E = rebuildObservation())
    return E;
  Steps = 0;
  Return = 0;
  InEpisode = true;
  return llvm::Error::success();
}

llvm::Expected<EpisodeStep> EpisodeRunner::step(int64_t Action) {
  if (llvm::Error E = ensureEpisode())
    return E;
  auto Result = Env->step(static_cast<size_t>(Action));
  if (!Result)
    return Result.takeError();
  ++Steps;
  Return += Result->Reward;

  EpisodeStep S;
  S.Reward = Result->Reward;
  // The environment ends an episode only on a failure.
  S.Terminated = Result->Done;
  S.Truncated = !S.Terminated && Steps >= Schedule.EpisodeLength;
  if (!S.Terminated && Result->Info.Changed)
    if (llvm::Error E = rebuildObservation())
      return E;
  if (S.ended()) {
    S.EpisodeReturn = Return;
    InEpisode = false;
  }
  return S;
}

} // namespace passgym::learning
