//===- learning/Episodes.cpp - Episodes for the training loops ------------===//
#include "learning/algorithms/Episodes.h"

#include "graph/LlvmGraphBuilder.h"

namespace passgym::learning {

llvm::Expected<std::unique_ptr<EpisodeRunner>>
EpisodeRunner::create(std::vector<BenchmarkPtr> Benchmarks,
                      EnvironmentOptions Env, EpisodeOptions Options) {
  if (Benchmarks.empty())
    return llvm::createStringError("training needs at least one benchmark");
  if (Options.EpisodeLength < 1)
    return llvm::createStringError("the episode length must be positive");
  Env.observationSpace.clear();
  auto E = Environment::create(std::move(Env));
  if (!E)
    return E.takeError();
  return std::unique_ptr<EpisodeRunner>(
      new EpisodeRunner(std::move(Benchmarks), std::move(*E), Options));
}

EpisodeRunner::EpisodeRunner(std::vector<BenchmarkPtr> Benchmarks,
                             std::unique_ptr<Environment> Env,
                             EpisodeOptions Options)
    : Benchmarks(std::move(Benchmarks)), Env(std::move(Env)), Options(Options),
      Rng(Options.Seed) {}

llvm::Error EpisodeRunner::rebuildObservation() {
  auto G = graph::buildProgramGraph(Env->module());
  if (!G)
    return G.takeError();
  Current = std::move(*G);
  ++Version;
  return llvm::Error::success();
}

llvm::Error EpisodeRunner::startEpisode() {
  size_t Index;
  if (Options.RandomBenchmarks) {
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
  Return += Result->reward;

  EpisodeStep S;
  S.Reward = Result->reward;
  // The environment ends an episode only on a failure.
  S.Terminated = Result->done;
  S.Truncated = !S.Terminated && Steps >= Options.EpisodeLength;
  if (!S.Terminated && Result->info.changed)
    if (llvm::Error E = rebuildObservation())
      return E;
  if (S.ended()) {
    S.EpisodeReturn = Return;
    InEpisode = false;
  }
  return S;
}

} // namespace passgym::learning
