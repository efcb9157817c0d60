#include "rewards/Reward.h"

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "support/tests/TestHelpers.h"

#include <gtest/gtest.h>
#include <random>

namespace passgym {
namespace {

using testing::take;

BenchmarkPtr crc32() {
  static BenchmarkPtr B = testing::builtin("crc32");
  return B;
}

/// Runs one fixed random episode and returns (sum of rewards, C(s_0), C(s_T)).
struct Episode {
  double rewardSum = 0;
  int64_t initial = 0, final = 0;
  double scale = 0;
  bool floored = false;
};

Episode runEpisode(const std::string &RewardSpace) {
  auto Env = take(Environment::create({nullptr, "", RewardSpace}));
  take(Env->reset(crc32()));
  std::mt19937_64 Random(42);
  for (int I = 0; I < 25; ++I) {
    StepResult Step = take(Env->step(Random() % Env->actions().size()));
    if (Step.Done)
      throw std::runtime_error(Step.Info.Error);
  }
  return {Env->episodeReward(), Env->reward().initialCost(),
          Env->reward().currentCost(), Env->reward().scale(),
          Env->reward().scaleFloored()};
}

TEST(RewardTest, CompilerGymsEightSpacesAndTheRuntimeSpaces) {
  std::vector<std::string> Names;
  for (const RewardSpace &Space : rewardSpaces())
    Names.push_back(Space.Name);
  EXPECT_EQ(Names, (std::vector<std::string>{
                       "IrInstructionCount", "IrInstructionCountNorm",
                       "IrInstructionCountO3", "IrInstructionCountOz",
                       "ObjectTextSizeBytes", "ObjectTextSizeBytesNorm",
                       "ObjectTextSizeBytesO3", "ObjectTextSizeBytesOz",
                       "Runtime", "RuntimeNorm", "RuntimeO3"}));
}

TEST(RewardTest, RewardsSumToTheCostReduction) {
  Episode Raw = runEpisode("IrInstructionCount");
  EXPECT_NE(Raw.initial, Raw.final);
  EXPECT_DOUBLE_EQ(Raw.rewardSum, static_cast<double>(Raw.initial - Raw.final));

  Episode Norm = runEpisode("IrInstructionCountNorm");
  EXPECT_DOUBLE_EQ(Norm.scale, static_cast<double>(Norm.initial));
  EXPECT_NEAR(Norm.rewardSum, (Raw.initial - Raw.final) / double(Raw.initial),
              1e-12);
}

TEST(RewardTest, BaselineScaledRewardIsTheFractionOfTheBaselineGain) {
  MeasurementContext Unused;
  double Oz = take(baselineCost(CostFunction::IrInstructionCount, Baseline::Oz,
                                *crc32(), Unused));
  Episode E = runEpisode("IrInstructionCountOz");
  EXPECT_FALSE(E.floored);
  EXPECT_DOUBLE_EQ(E.scale, static_cast<double>(E.initial - Oz));
  EXPECT_NEAR(E.rewardSum, (E.initial - E.final) / double(E.initial - Oz),
              1e-12);
}

TEST(RewardTest, ScaleIsFlooredWhenTheBaselineGainsLessThanOnePercent) {
  const RewardSpace &Space = take(findRewardSpace("ObjectTextSizeBytesOz"));
  auto B = crc32();
  MeasurementContext Unused;
  double O0 = take(baselineCost(Space.Cost, Baseline::O0, *B, Unused));
  double Oz = take(baselineCost(Space.Cost, Baseline::Oz, *B, Unused));
  Episode E = runEpisode(Space.Name);
  double Floor = std::max(kMinimumBaselineGain * O0, 1.0);
  EXPECT_EQ(E.floored, O0 - Oz < Floor);
  EXPECT_DOUBLE_EQ(E.scale, std::max<double>(O0 - Oz, Floor));
  EXPECT_GT(E.scale, 0);
  EXPECT_NEAR(E.rewardSum, (E.initial - E.final) / E.scale, 1e-9);
}

TEST(RewardTest, UnknownSpaceIsAnError) {
  std::string Message = testing::errorOf(findRewardSpace("Speed"));
  EXPECT_NE(Message.find("unknown reward space 'Speed'"), std::string::npos);
  EXPECT_NE(Message.find("IrInstructionCountOz"), std::string::npos);
}

} // namespace
} // namespace passgym
