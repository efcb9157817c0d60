#include "learning/algorithms/Ppo.h"

#include "learning/tests/TinyTask.h"
#include "learning/training/Checkpoint.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace passgym::learning {
namespace {

using testing::take;

PpoOptions tinyOptions(uint64_t Seed, int64_t Iterations) {
  PpoOptions O;
  O.Run.Seed = Seed;
  O.Run.EpisodeLength = 4;
  O.Run.StepsPerIteration = 64;
  O.Run.TotalSteps = Iterations * O.Run.StepsPerIteration;
  O.MinibatchSize = 16;
  O.UpdateEpochs = 4;
  O.Network.HiddenSize = 16;
  O.Network.Layers = 2;
  return O;
}

std::vector<PpoIterationMetrics> trainTiny(const PpoOptions &Options) {
  BenchmarkPtr B = loopBenchmark();
  auto Trainer = take(PpoTrainer::create(
      {B}, tinyEnvironment(), encodingOf(B, Options.Network.State), Options));
  return take(Trainer->train());
}

/// Optimal return: 12/21 = 0.571 (mem2reg, then nothing harmful). The
/// uniformly random policy averages far less, as reg2mem after mem2reg
/// costs 21/21 and lcssa after it 1/21.
void expectLearnsTheTinyTask(StateKind State) {
  BenchmarkPtr B = loopBenchmark();
  PpoOptions Base = tinyOptions(0, 15);
  Base.Network.State = State;
  const double Random = uniformPolicyReturn(B, Base.Run.EpisodeLength);
  EXPECT_LT(Random, 0.3);
  for (uint64_t Seed : {1, 2, 3}) {
    SCOPED_TRACE(Seed);
    PpoOptions O = Base;
    O.Run.Seed = Seed;
    std::vector<PpoIterationMetrics> M = trainTiny(O);
    ASSERT_EQ(M.size(), 15u);
    EXPECT_EQ(M.front().Episodes, 16);
    // The last two iterations, 32 episodes, of the stochastic policy.
    double Trained = (M[M.size() - 1].MeanEpisodeReturn +
                      M[M.size() - 2].MeanEpisodeReturn) /
                     2;
    EXPECT_GT(Trained, 0.45);
    EXPECT_GT(Trained, Random + 0.2);
    EXPECT_LT(M.back().Entropy, M.front().Entropy);
  }
}

TEST(PpoTrainerTest, LearnsToAvoidUndoingMem2reg) {
  // Checked on seeds 1..20: every one reached 0.52 or more.
  expectLearnsTheTinyTask(StateKind::Graph);
}

// On Autophase alone, PPO with these options reached the optimum on only
// about half of seeds 1-10, even with 30 iterations (SAC learns it: see
// SacTest.cpp); the graph, alone or fused, gets there on all ten.
TEST(PpoTrainerTest, LearnsFromGraphAndAutophase) {
  expectLearnsTheTinyTask(StateKind::GraphAndAutophase);
}

TEST(PpoTrainerTest, SameSeedSameMetrics) {
  PpoOptions O = tinyOptions(7, 2);
  O.Run.StepsPerIteration = 16;
  O.Run.TotalSteps = 32;
  std::vector<PpoIterationMetrics> A = trainTiny(O);
  std::vector<PpoIterationMetrics> B = trainTiny(O);
  ASSERT_EQ(A.size(), 2u);
  expectSameMetrics(A, B);
  // A different seed samples other actions.
  O.Run.Seed = 8;
  std::vector<PpoIterationMetrics> C = trainTiny(O);
  EXPECT_NE(A[0].PolicyLoss, C[0].PolicyLoss);
}

TEST(PpoTrainerTest, ParallelEnvironmentsGiveWhatSerialOnesGive) {
  PpoOptions O = tinyOptions(4, 2);
  O.Run.Environments = 2;
  O.Run.StepsPerIteration = 32;
  O.Run.TotalSteps = 64;
  O.Run.ParallelSteps = false;
  std::vector<PpoIterationMetrics> Serial = trainTiny(O);
  O.Run.ParallelSteps = true;
  std::vector<PpoIterationMetrics> Parallel = trainTiny(O);
  ASSERT_EQ(Serial.size(), 2u);
  // 16 steps in each of two environments: 8 episodes of 4 steps.
  EXPECT_EQ(Serial[0].Episodes, 8);
  EXPECT_EQ(Serial[1].GlobalStep, 64);
  expectSameMetrics(Serial, Parallel);

  // One environment with the same steps per iteration is another run.
  O.Run.Environments = 1;
  EXPECT_NE(trainTiny(O)[0].PolicyLoss, Serial[0].PolicyLoss);
}

TEST(PpoTrainerTest, CallbackSeesEveryIteration) {
  PpoOptions O = tinyOptions(3, 3);
  O.Run.StepsPerIteration = 8;
  O.Run.TotalSteps = 24;
  O.UpdateEpochs = 1;
  BenchmarkPtr B = loopBenchmark();
  auto Trainer =
      take(PpoTrainer::create({B}, tinyEnvironment(), encodingOf(B), O));
  std::vector<int64_t> Steps;
  take(Trainer->train([&](const PpoIterationMetrics &M) {
    Steps.push_back(M.GlobalStep);
    return llvm::Error::success();
  }));
  EXPECT_EQ(Steps, (std::vector<int64_t>{8, 16, 24}));
}

TEST(PpoTrainerTest, CallbackErrorStopsTraining) {
  PpoOptions O = tinyOptions(3, 3);
  O.Run.StepsPerIteration = 8;
  O.Run.TotalSteps = 24;
  O.UpdateEpochs = 1;
  BenchmarkPtr B = loopBenchmark();
  auto Trainer =
      take(PpoTrainer::create({B}, tinyEnvironment(), encodingOf(B), O));
  int Calls = 0;
  std::string Message = testing::errorOf(
      Trainer->train([&](const PpoIterationMetrics &) -> llvm::Error {
        ++Calls;
        return llvm::createStringError("disk full");
      }));
  EXPECT_EQ(Calls, 1);
  EXPECT_EQ(Message, "disk full");
}

const torch::optim::AdamParamState &adamState(const torch::optim::Adam &Opt,
                                              const torch::Tensor &P) {
  return static_cast<const torch::optim::AdamParamState &>(
      *Opt.state().at(c10::guts::to_string(P.unsafeGetTensorImpl())));
}

TEST(PpoTrainerTest, ResumesFromItsCheckpoint) {
  PpoOptions O = tinyOptions(5, 4);
  O.Run.StepsPerIteration = 8;
  O.UpdateEpochs = 1;
  BenchmarkPtr B = loopBenchmark();
  StateEncoding Encoding = encodingOf(B);
  int Calls = 0;
  // Stop after two of the four iterations, as an interrupted run would.
  O.Run.TotalSteps = 16;
  auto Interrupted =
      take(PpoTrainer::create({B}, tinyEnvironment(), Encoding, O));
  take(Interrupted->train([&](const PpoIterationMetrics &) {
    ++Calls;
    return llvm::Error::success();
  }));
  EXPECT_EQ(Calls, 2);
  TempDir Dir = take(TempDir::create("ppo-resume"));
  CheckpointContents C = Interrupted->checkpoint();
  EXPECT_EQ(C.Algorithm, Agent::Ppo);
  EXPECT_EQ(C.Counters.Iteration, 2);
  EXPECT_EQ(C.Counters.GlobalStep, 16);
  C.ActionSpace = {"ppo-test", {"mem2reg", "instnamer", "lcssa", "reg2mem"}};
  testing::check(saveCheckpoint(Dir.file("ckpt"), C));

  O.Run.TotalSteps = 32;
  auto Resumed = take(PpoTrainer::create({B}, tinyEnvironment(), Encoding, O));
  testing::check(Resumed->resume(take(loadCheckpoint(Dir.file("ckpt")))));
  // The saved parameters and Adam moments, not the fresh ones of seed 5.
  auto Saved = Interrupted->network()->parameters();
  auto Loaded = Resumed->network()->parameters();
  ASSERT_EQ(Saved.size(), Loaded.size());
  for (size_t I = 0; I < Saved.size(); ++I) {
    SCOPED_TRACE(I);
    EXPECT_TRUE(torch::equal(Saved[I], Loaded[I]));
    const auto &Before = adamState(Interrupted->optimizer(), Saved[I]);
    const auto &After = adamState(Resumed->optimizer(), Loaded[I]);
    EXPECT_EQ(After.step(), Before.step());
    EXPECT_TRUE(torch::equal(After.exp_avg(), Before.exp_avg()));
    EXPECT_TRUE(torch::equal(After.exp_avg_sq(), Before.exp_avg_sq()));
  }
  std::vector<PpoIterationMetrics> Rest = take(Resumed->train());
  ASSERT_EQ(Rest.size(), 2u);
  EXPECT_EQ(Rest[0].Iteration, 2);
  EXPECT_EQ(Rest[1].GlobalStep, 32);
}

TEST(PpoTrainerTest, RefusesToResumeAnotherAlgorithm) {
  PpoOptions O = tinyOptions(5, 1);
  BenchmarkPtr B = loopBenchmark();
  auto Trainer =
      take(PpoTrainer::create({B}, tinyEnvironment(), encodingOf(B), O));
  CheckpointContents Sac = Trainer->checkpoint();
  Sac.Algorithm = Agent::Sac;
  std::string Message = testing::errorOf(Trainer->resume(Sac));
  EXPECT_NE(Message.find("'sac' checkpoint"), std::string::npos) << Message;
}

TEST(PpoTrainerTest, RejectsNoBenchmarks) {
  auto Trainer = PpoTrainer::create({}, tinyEnvironment(), {}, {});
  EXPECT_FALSE(static_cast<bool>(Trainer));
  llvm::consumeError(Trainer.takeError());
}

} // namespace
} // namespace passgym::learning
