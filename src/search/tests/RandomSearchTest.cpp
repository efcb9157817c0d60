#include "search/Search.h"

#include "env/Environment.h"
#include "support/tests/TestHelpers.h"

#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::take;

std::unique_ptr<Environment> start() {
  auto Env = take(Environment::create());
  take(Env->reset(testing::builtin("crc32")));
  return Env;
}

RandomSearchOptions withSteps(uint64_t Steps, uint64_t Seed) {
  RandomSearchOptions Options;
  Options.EpisodeLength = 20;
  Options.Seed = Seed;
  Options.Budget.Steps = Steps;
  return Options;
}

TEST(RandomSearchTest, SameSeedSameResultAndTheBestIsReal) {
  auto Env = start();
  auto First = take(randomSearch(*Env, withSteps(300, 1)));
  auto Second = take(randomSearch(*Env, withSteps(300, 1)));
  EXPECT_EQ(First.Best->actionHistory(), Second.Best->actionHistory());
  EXPECT_EQ(First.Steps, 300u);
  EXPECT_EQ(First.Episodes, 15u);
  EXPECT_LT(First.bestCost(), First.InitialCost);
  EXPECT_EQ(First.InitialCost, Env->reward().currentCost());

  // Replaying the best sequence from scratch reaches the reported cost.
  auto Replay = start();
  for (size_t Action : First.Best->actionHistory())
    ASSERT_FALSE(take(Replay->step(Action)).Done);
  EXPECT_EQ(Replay->reward().currentCost(), First.bestCost());
  // The search worked on forks: the start state is untouched.
  EXPECT_TRUE(Env->actionHistory().empty());
}

TEST(RandomSearchTest, NeedsABudget) {
  auto Env = start();
  RandomSearchOptions Options;
  EXPECT_NE(testing::errorOf(randomSearch(*Env, Options)).find("budget"),
            std::string::npos);
}

TEST(RandomSearchTest, ReportsProgress) {
  auto Env = start();
  uint64_t Calls = 0, LastSteps = 0;
  take(randomSearch(*Env, withSteps(50, 2), [&](const SearchProgress &P) {
    ++Calls;
    EXPECT_GT(P.Steps, LastSteps);
    LastSteps = P.Steps;
  }));
  EXPECT_EQ(LastSteps, 50u);
  EXPECT_GT(Calls, 0u);
}

} // namespace
} // namespace passgym
