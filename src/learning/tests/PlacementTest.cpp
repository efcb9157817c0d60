//===- learning/tests/PlacementTest.cpp - Where environments live ---------===//
//
// placeEnvironments(): under `mpirun passgym train`, faster ranks hold more
// environments, environments under way stay where they are, and a lost
// rank's go to the live ones.
//
//===----------------------------------------------------------------------===//
#include "learning/training/DistributedEpisodes.h"

#include <gtest/gtest.h>

#include <vector>

namespace passgym::learning {
namespace {

const std::vector<bool> kThreeRanksAlive = {false, true, true};
/// Environments whose steps are the same work.
const std::vector<double> kTwoAlike(2, 1.0), kFourAlike(4, 1.0);

TEST(PlacementTest, WithNoSpeedKnownTheRanksTakeTurns) {
  std::vector<unsigned> Placed = placeEnvironments(
      std::vector<unsigned>(5, 0), std::vector<bool>(5, true),
      kThreeRanksAlive, {0, 0, 0}, std::vector<double>(5, 1));
  EXPECT_EQ(Placed, (std::vector<unsigned>{1, 2, 1, 2, 1}));
}

TEST(PlacementTest, AFasterRankTakesMore) {
  // Rank 2 takes four times as long per step.
  std::vector<unsigned> Placed =
      placeEnvironments({1, 2, 1, 2}, std::vector<bool>(4, true),
                        kThreeRanksAlive, {0, 0.25, 1.0}, kFourAlike);
  EXPECT_EQ(Placed, (std::vector<unsigned>{1, 1, 1, 2}));
  // Only one rank's speed known: the other is taken to be as fast.
  EXPECT_EQ(placeEnvironments({1, 2}, {true, true}, kThreeRanksAlive,
                              {0, 0, 0.05}, kTwoAlike),
            (std::vector<unsigned>{1, 2}));
}

TEST(PlacementTest, EnvironmentsUnderWayStay) {
  // Environments 0-2 are in an episode on rank 2, the slow one; only
  // environment 3 starts, and goes to rank 1 even though it was on rank 2.
  std::vector<unsigned> Placed =
      placeEnvironments({2, 2, 2, 2}, {false, false, false, true},
                        kThreeRanksAlive, {0, 0.25, 1.0}, kFourAlike);
  EXPECT_EQ(Placed, (std::vector<unsigned>{2, 2, 2, 1}));
  // On a tie an environment keeps its rank.
  EXPECT_EQ(placeEnvironments({1, 2}, {false, true}, {false, true, true, true},
                              {0, 0.01, 0.01, 0.01}, kTwoAlike),
            (std::vector<unsigned>{1, 2}));
}

TEST(PlacementTest, AnEnvironmentMovesOnlyForAClearGain) {
  // Environment 1 starts on rank 2 while environment 0 goes on on rank 1:
  // rank 1 with both would take 2 x 0.25 s, rank 2 alone 0.6 s, or 1 s.
  EXPECT_EQ(placeEnvironments({1, 2}, {false, true}, kThreeRanksAlive,
                              {0, 0.25, 0.6}, kTwoAlike),
            (std::vector<unsigned>{1, 2}));
  EXPECT_EQ(placeEnvironments({1, 2}, {false, true}, kThreeRanksAlive,
                              {0, 0.25, 1.0}, kTwoAlike),
            (std::vector<unsigned>{1, 1}));
}

TEST(PlacementTest, ABigModuleWeighsOnItsRank) {
  // Rank 1 is faster, so environment 1 stays with environment 0 on it,
  // unless environment 0's module is ten times the size.
  EXPECT_EQ(placeEnvironments({1, 1}, {false, true}, kThreeRanksAlive,
                              {0, 0.1, 0.25}, kTwoAlike),
            (std::vector<unsigned>{1, 1}));
  EXPECT_EQ(placeEnvironments({1, 1}, {false, true}, kThreeRanksAlive,
                              {0, 0.1, 0.25}, {10, 1}),
            (std::vector<unsigned>{1, 2}));
}

TEST(PlacementTest, ALostRanksEnvironmentsGoToTheLiveOnes) {
  // Rank 1 is lost mid-episode: its environments move, the others stay.
  std::vector<bool> Alive = {false, false, true, true};
  std::vector<unsigned> Placed =
      placeEnvironments({1, 2, 3, 1}, std::vector<bool>(4, false), Alive,
                        {0, 0.01, 0.01, 0.01}, kFourAlike);
  EXPECT_EQ(Placed, (std::vector<unsigned>{2, 2, 3, 3}));
  // No rank left: nowhere.
  EXPECT_EQ(placeEnvironments({1, 2}, {false, false}, {false, false, false},
                              {0, 0, 0}, kTwoAlike),
            (std::vector<unsigned>{0, 0}));
}

} // namespace
} // namespace passgym::learning
