//===- learning/tests/EpisodesTest.cpp - Episodes, one or many at once ----===//
//
// EpisodeRunner's start from a standard pipeline, and ParallelEpisodes:
// each environment's seeded benchmark choice, and the same outcomes whether
// the environments are stepped on threads or one after the other.
//
//===----------------------------------------------------------------------===//
#include "learning/algorithms/Episodes.h"

#include "actions/PassRunner.h"
#include "learning/tests/TinyTask.h"
#include "observations/Features.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace passgym::learning {
namespace {

using testing::builtin;
using testing::take;

std::string printed(const llvm::Module &M) {
  std::string Text;
  llvm::raw_string_ostream Out(Text);
  M.print(Out, nullptr);
  return Text;
}

/// The loop program under four names: benchmarks an episode can tell apart.
std::vector<BenchmarkPtr> fourLoops() {
  std::vector<BenchmarkPtr> Loops;
  for (int I = 0; I < 4; ++I)
    Loops.push_back(take(makeBenchmark(
        "file://loop" + std::to_string(I) + ".ll",
        llvm::MemoryBuffer::getMemBufferCopy(kLoopIr))));
  return Loops;
}

/// The benchmark of each of \p Episodes episodes of each environment.
std::vector<std::vector<std::string>> episodeBenchmarks(const RunSchedule &S,
                                                        int Episodes) {
  auto All = take(ParallelEpisodes::create(fourLoops(), tinyEnvironment(), S,
                                           StateKind::Autophase));
  std::vector<std::vector<std::string>> Uris(All->size());
  for (int E = 0; E < Episodes; ++E)
    for (size_t I = 0; I < All->size(); ++I) {
      testing::check((*All)[I].startEpisode());
      Uris[I].push_back((*All)[I].environment().benchmark().uri());
    }
  return Uris;
}

TEST(ParallelEpisodesTest, EachEnvironmentDrawsItsOwnSeededBenchmarks) {
  RunSchedule One;
  One.Seed = 11;
  RunSchedule Two = One;
  Two.Environments = 2;
  auto Single = episodeBenchmarks(One, 12);
  auto Pair = episodeBenchmarks(Two, 12);
  ASSERT_EQ(Pair.size(), 2u);
  // The first environment is the single-environment run; the second draws
  // other benchmarks; the same seed draws the same again.
  EXPECT_EQ(Pair[0], Single[0]);
  EXPECT_NE(Pair[1], Pair[0]);
  EXPECT_EQ(episodeBenchmarks(Two, 12), Pair);
  Two.Seed = 12;
  EXPECT_NE(episodeBenchmarks(Two, 12), Pair);
}

TEST(ParallelEpisodesTest, EnvironmentsShareTheBenchmarksTakenInTurn) {
  RunSchedule S;
  S.RandomBenchmarks = false;
  S.Environments = 2;
  auto Pair = episodeBenchmarks(S, 3);
  EXPECT_EQ(Pair[0], (std::vector<std::string>{
                         "file://loop0.ll", "file://loop2.ll",
                         "file://loop0.ll"}));
  EXPECT_EQ(Pair[1], (std::vector<std::string>{
                         "file://loop1.ll", "file://loop3.ll",
                         "file://loop1.ll"}));
}

TEST(EpisodeRunnerTest, SkippingEpisodesDrawsTheirBenchmarks) {
  for (bool Random : {true, false}) {
    RunSchedule S;
    S.Seed = 7;
    S.Environments = 2;
    S.RandomBenchmarks = Random;
    auto Ran = episodeBenchmarks(S, 9)[1];
    // Runner 1 made again (as on another MPI rank), told to skip to each
    // episode in turn, and once across several.
    for (int64_t Episode : {0, 4, 8}) {
      auto Moved = take(EpisodeRunner::create(fourLoops(), tinyEnvironment(),
                                              S, StateKind::Autophase, 1));
      testing::check(Moved->skipTo(Episode));
      EXPECT_EQ(Moved->episodesStarted(), Episode);
      testing::check(Moved->startEpisode());
      EXPECT_EQ(Moved->environment().benchmark().uri(), Ran[Episode])
          << "episode " << Episode << (Random ? ", drawn" : ", in turn");
      EXPECT_EQ(Moved->episodesStarted(), Episode + 1);
      // The past cannot be run again.
      EXPECT_NE(testing::errorOf(Moved->skipTo(Episode)).find(
                    "has already started"),
                std::string::npos);
    }
  }
}

TEST(ParallelEpisodesTest, TheEnvironmentsMustDivideTheIterationSteps) {
  RunSchedule S;
  S.StepsPerIteration = 10;
  S.Environments = 3;
  std::string Message = testing::errorOf(ParallelEpisodes::create(
      fourLoops(), tinyEnvironment(), S, StateKind::Autophase));
  EXPECT_NE(Message.find("divide the steps per iteration (10), not 3"),
            std::string::npos)
      << Message;
}

/// Every step's outcome and observation over 40 steps of three
/// environments with the same actions.
std::vector<std::string> trace(bool Parallel) {
  RunSchedule S;
  S.Seed = 5;
  S.Environments = 3;
  S.StepsPerIteration = 3;
  S.EpisodeLength = 3;
  S.ParallelSteps = Parallel;
  auto All = take(ParallelEpisodes::create(fourLoops(), tinyEnvironment(), S,
                                           StateKind::Autophase));
  std::vector<std::string> Lines;
  for (int Step = 0; Step < 40; ++Step) {
    testing::check(All->ensureEpisodes());
    std::vector<int64_t> Actions;
    for (size_t I = 0; I < All->size(); ++I)
      Actions.push_back((Step * 7 + static_cast<int>(I) * 3) % 4);
    std::vector<EpisodeStep> Steps = take(All->step(Actions));
    for (size_t I = 0; I < All->size(); ++I) {
      std::string Line = (*All)[I].environment().benchmark().uri() + " " +
                         std::to_string(Steps[I].Reward) + " " +
                         std::to_string(Steps[I].ended());
      for (int64_t Count : (*All)[I].observation().Autophase)
        Line += " " + std::to_string(Count);
      Lines.push_back(Line);
    }
  }
  return Lines;
}

TEST(ParallelEpisodesTest, ThreadsGiveWhatSerialStepsGive) {
  std::vector<std::string> Serial = trace(false);
  ASSERT_EQ(Serial.size(), 120u);
  EXPECT_EQ(trace(true), Serial);
}

/// Runner 0 of \p S on \p B, in an episode.
std::unique_ptr<EpisodeRunner> runnerOn(const BenchmarkPtr &B,
                                        const RunSchedule &S,
                                        EnvironmentOptions Env) {
  auto Runner = take(EpisodeRunner::create({B}, std::move(Env), S,
                                           StateKind::GraphAndAutophase));
  testing::check(Runner->startEpisode());
  return Runner;
}

TEST(EpisodeRunnerTest, StartFromO3ObservesTheModuleAfterDefaultO3) {
  BenchmarkPtr B = builtin("crc32");
  llvm::LLVMContext Context;
  std::unique_ptr<llvm::Module> Expected = take(B->load(Context));
  const std::string Unoptimized = printed(*Expected);
  take(runPipeline(*Expected, "default<O3>"));
  ASSERT_NE(printed(*Expected), Unoptimized);

  // instnamer leaves the instruction count as it is.
  EnvironmentOptions Env;
  Env.Actions = std::make_shared<const ActionSpace>(
      "names", std::vector<Action>{{"instnamer", "function(instnamer)"}});
  Env.RewardSpace = "IrInstructionCountOz";
  RunSchedule S;
  S.EpisodeLength = 1;
  S.StartFrom = Baseline::O3;
  auto Runner = runnerOn(B, S, Env);
  const llvm::Module &Started = take(Runner->environment().module());
  EXPECT_EQ(printed(Started), printed(*Expected));
  EXPECT_EQ(Runner->observation().Autophase, computeAutophase(*Expected));
  ASSERT_TRUE(Runner->observation().Graph);
  EXPECT_EQ(Runner->environment().pipeline(), "default<O3>");

  // The pipeline's reward is the environment's, not the episode's.
  EpisodeStep Step = take(Runner->step(0));
  ASSERT_TRUE(Step.Truncated);
  EXPECT_EQ(*Step.EpisodeReturn, 0);
  EXPECT_GT(Runner->environment().episodeReward(), 0.1);

  S.StartFrom = Baseline::O0;
  EXPECT_EQ(printed(take(runnerOn(B, S, Env)->environment().module())),
            Unoptimized);
}

} // namespace
} // namespace passgym::learning
