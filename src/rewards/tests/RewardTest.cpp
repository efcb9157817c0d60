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
  double RewardSum = 0;
  int64_t Initial = 0, Final = 0;
  double Scale = 0;
  bool Floored = false;
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

TEST(RewardTest, CompilerGymsEightSpacesThenShippedCodeSizeAndRuntime) {
  std::vector<std::string> Names;
  for (const RewardSpace &Space : rewardSpaces())
    Names.push_back(Space.Name);
  EXPECT_EQ(Names, (std::vector<std::string>{
                       "IrInstructionCount", "IrInstructionCountNorm",
                       "IrInstructionCountO3", "IrInstructionCountOz",
                       "ObjectTextSizeBytes", "ObjectTextSizeBytesNorm",
                       "ObjectTextSizeBytesO3", "ObjectTextSizeBytesOz",
                       "CodeSizeBytes", "CodeSizeBytesNorm",
                       "CodeSizeBytesO3", "CodeSizeBytesOz", "Runtime",
                       "RuntimeNorm", "RuntimeO3"}));
}

TEST(RewardTest, RewardsSumToTheCostReduction) {
  Episode Raw = runEpisode("IrInstructionCount");
  EXPECT_NE(Raw.Initial, Raw.Final);
  EXPECT_DOUBLE_EQ(Raw.RewardSum, static_cast<double>(Raw.Initial - Raw.Final));

  Episode Norm = runEpisode("IrInstructionCountNorm");
  EXPECT_DOUBLE_EQ(Norm.Scale, static_cast<double>(Norm.Initial));
  EXPECT_NEAR(Norm.RewardSum, (Raw.Initial - Raw.Final) / double(Raw.Initial),
              1e-12);
}

TEST(RewardTest, BaselineScaledRewardIsTheFractionOfTheBaselineGain) {
  MeasurementContext Unused;
  double Oz = take(baselineCost(CostFunction::IrInstructionCount, Baseline::Oz,
                                *crc32(), Unused));
  Episode E = runEpisode("IrInstructionCountOz");
  EXPECT_FALSE(E.Floored);
  EXPECT_DOUBLE_EQ(E.Scale, static_cast<double>(E.Initial - Oz));
  EXPECT_NEAR(E.RewardSum, (E.Initial - E.Final) / double(E.Initial - Oz),
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
  EXPECT_EQ(E.Floored, O0 - Oz < Floor);
  EXPECT_DOUBLE_EQ(E.Scale, std::max<double>(O0 - Oz, Floor));
  EXPECT_GT(E.Scale, 0);
  EXPECT_NEAR(E.RewardSum, (E.Initial - E.Final) / E.Scale, 1e-9);
}

TEST(RewardTest, UnknownSpaceIsAnError) {
  std::string Message = testing::errorOf(findRewardSpace("Speed"));
  EXPECT_NE(Message.find("unknown reward space 'Speed'"), std::string::npos);
  EXPECT_NE(Message.find("IrInstructionCountOz"), std::string::npos);
}

} // namespace
} // namespace passgym
