//===- learning/algorithms/Episodes.cpp - The environment side ------------===//
#include "learning/algorithms/Episodes.h"

#include "learning/algorithms/StartPipeline.h"

namespace passgym::learning {

namespace {

/// The seed of environment \p Index's benchmark generator: \p Seed for the
/// first, then seeds a golden-ratio step apart (SplitMix64's increment), so
/// that no two environments of a run draw the same benchmarks.
uint64_t environmentSeed(uint64_t Seed, size_t Index) {
  return Seed + 0x9E3779B97F4A7C15ULL * Index;
}

} // namespace

llvm::Expected<std::string> applyStart(Environment &Env, Baseline Start) {
  if (Start == Baseline::O0)
    return std::string();
  auto Started = Env.stepPipeline(baselinePipeline(Start));
  if (!Started)
    return Started.takeError();
  return Started->Done ? Started->Info.Error : std::string();
}

llvm::Expected<std::unique_ptr<EpisodeRunner>>
EpisodeRunner::create(std::vector<BenchmarkPtr> Benchmarks,
                      EnvironmentOptions Env, const RunSchedule &Schedule,
                      StateKind State, size_t Index) {
  if (Benchmarks.empty())
    return llvm::createStringError("training needs at least one benchmark");
  if (Schedule.EpisodeLength < 1 || Schedule.StepsPerIteration < 1)
    return llvm::createStringError(
        "the episode length and the steps per iteration must be positive");
  Env.ObservationSpace.clear();
  auto E = Environment::create(std::move(Env));
  if (!E)
    return E.takeError();
  return std::unique_ptr<EpisodeRunner>(new EpisodeRunner(
      std::move(Benchmarks), std::move(*E), Schedule, State, Index));
}

EpisodeRunner::EpisodeRunner(std::vector<BenchmarkPtr> Benchmarks,
                             std::unique_ptr<Environment> Env,
                             const RunSchedule &Schedule, StateKind State,
                             size_t Index)
    : Benchmarks(std::move(Benchmarks)), Env(std::move(Env)),
      Schedule(Schedule), State(State),
      Rng(environmentSeed(Schedule.Seed, Index)),
      NextBenchmark(Index % this->Benchmarks.size()) {}

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

size_t EpisodeRunner::drawBenchmark() {
  ++Started;
  if (Schedule.RandomBenchmarks)
    return std::uniform_int_distribution<size_t>(0, Benchmarks.size() - 1)(
        Rng);
  // The environments take the benchmarks in turn between them.
  size_t Index = NextBenchmark;
  NextBenchmark = (NextBenchmark + Schedule.Environments) % Benchmarks.size();
  return Index;
}

llvm::Error EpisodeRunner::skipTo(int64_t Episode) {
  if (Episode < Started)
    return llvm::createStringError(
        "episode " + std::to_string(Episode) + " has already started (" +
        std::to_string(Started) + " episodes so far)");
  while (Started < Episode)
    drawBenchmark();
  InEpisode = false;
  return llvm::Error::success();
}

llvm::Error EpisodeRunner::startEpisode() {
  size_t Index = drawBenchmark();
  if (auto R = Env->reset(Benchmarks[Index]); !R)
    return R.takeError();
  auto StartFailed = applyStart(*Env, Schedule.StartFrom);
  if (!StartFailed)
    return StartFailed.takeError();
  if (!StartFailed->empty())
    return llvm::createStringError(
        "starting from -" + baselineName(Schedule.StartFrom).str() + " on '" +
        Benchmarks[Index]->uri() + "': " + *StartFailed);
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

llvm::Expected<std::unique_ptr<ParallelEpisodes>>
ParallelEpisodes::create(std::vector<BenchmarkPtr> Benchmarks,
                         EnvironmentOptions Env, const RunSchedule &Schedule,
                         StateKind State) {
  if (Schedule.Environments < 1 ||
      Schedule.StepsPerIteration % Schedule.Environments != 0)
    return llvm::createStringError(
        "the number of environments must be positive and divide the steps "
        "per iteration (" +
        std::to_string(Schedule.StepsPerIteration) + "), not " +
        std::to_string(Schedule.Environments));
  if (Schedule.Remote) {
    if (llvm::Error E =
            Schedule.Remote->open(Benchmarks, Env, Schedule, State))
      return E;
    return std::unique_ptr<ParallelEpisodes>(new ParallelEpisodes(
        Schedule.Remote, static_cast<size_t>(Schedule.Environments)));
  }
  std::vector<std::unique_ptr<EpisodeRunner>> Runners;
  for (int64_t I = 0; I < Schedule.Environments; ++I) {
    auto Runner =
        EpisodeRunner::create(Benchmarks, Env, Schedule, State, I);
    if (!Runner)
      return Runner.takeError();
    Runners.push_back(std::move(*Runner));
  }
  return std::unique_ptr<ParallelEpisodes>(new ParallelEpisodes(
      std::move(Runners), Schedule.ParallelSteps && Schedule.Environments > 1));
}

ParallelEpisodes::ParallelEpisodes(
    std::vector<std::unique_ptr<EpisodeRunner>> Runners, bool Parallel)
    : Size(Runners.size()), Runners(std::move(Runners)) {
  if (Parallel)
    Pool = std::make_unique<llvm::DefaultThreadPool>(
        llvm::hardware_concurrency(this->Runners.size()));
}

llvm::Error
ParallelEpisodes::forEach(const std::function<llvm::Error(size_t)> &Work) {
  std::vector<std::optional<llvm::Error>> Errors(Runners.size());
  for (size_t I = 0; I < Runners.size(); ++I) {
    // Each task touches only its own runner and its own error.
    auto Task = [&Work, &Errors, I] { Errors[I].emplace(Work(I)); };
    if (Pool)
      Pool->async(Task);
    else
      Task();
  }
  if (Pool)
    Pool->wait();
  llvm::Error All = llvm::Error::success();
  for (std::optional<llvm::Error> &E : Errors)
    All = llvm::joinErrors(std::move(All), std::move(*E));
  return All;
}

llvm::Error ParallelEpisodes::ensureEpisodes() {
  if (Remote)
    return Remote->ensureEpisodes();
  return forEach([this](size_t I) { return Runners[I]->ensureEpisode(); });
}

llvm::Expected<std::vector<EpisodeStep>>
ParallelEpisodes::step(const std::vector<int64_t> &Actions) {
  if (Remote)
    return Remote->step(Actions);
  std::vector<EpisodeStep> Steps(Runners.size());
  llvm::Error Failed = forEach([&](size_t I) -> llvm::Error {
    auto S = Runners[I]->step(Actions[I]);
    if (!S)
      return S.takeError();
    Steps[I] = *S;
    return llvm::Error::success();
  });
  if (Failed)
    return Failed;
  return Steps;
}

} // namespace passgym::learning
