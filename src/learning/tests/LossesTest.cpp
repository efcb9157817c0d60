#include "learning/algorithms/Losses.h"

#include "learning/algorithms/Ppo.h"
#include "learning/algorithms/Sac.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace passgym::learning {
namespace {

constexpr double kTol = 1e-6;

torch::Tensor vec(std::vector<double> Values) {
  return torch::tensor(Values, torch::kDouble);
}

torch::Tensor mat(std::vector<std::vector<double>> Rows) {
  std::vector<torch::Tensor> Tensors;
  for (auto &R : Rows)
    Tensors.push_back(vec(R));
  return torch::stack(Tensors);
}

void expectClose(const torch::Tensor &Actual, const torch::Tensor &Expected) {
  ASSERT_TRUE(Actual.defined());
  ASSERT_EQ(Actual.sizes(), Expected.sizes()) << Actual;
  EXPECT_TRUE(torch::allclose(Actual.to(torch::kDouble),
                              Expected.to(torch::kDouble), /*rtol=*/0,
                              /*atol=*/kTol))
      << "actual:\n"
      << Actual << "\nexpected:\n"
      << Expected;
}

void expectScalar(const torch::Tensor &Actual, double Expected) {
  ASSERT_TRUE(Actual.defined());
  ASSERT_EQ(Actual.numel(), 1) << Actual;
  EXPECT_NEAR(Actual.item<double>(), Expected, kTol);
}

//===----------------------------------------------------------------------===//
// GAE
//===----------------------------------------------------------------------===//

// gamma = 0.5, lambda = 0.5 (gamma * lambda = 0.25). Four steps:
//   t  r  V(s_t)  V(s_t+1)  terminated  truncated
//   0  1    2        3          0           0
//   1  0    3        4          0           1   time limit; 4 = V(final obs)
//   2  2    1        5          1           0   new episode, ends for real
//   3  1    2        6          0           0   new episode, rollout ends
// delta_t = r_t + gamma * V(s_t+1) * (1 - terminated_t) - V(s_t):
//   delta_0 = 1 + 0.5 * 3 - 2 =  0.5
//   delta_1 = 0 + 0.5 * 4 - 3 = -1     (truncated: still bootstraps)
//   delta_2 = 2 + 0       - 1 =  1     (terminated: no bootstrap)
//   delta_3 = 1 + 0.5 * 6 - 2 =  2
// A_t = delta_t + 0.25 * (1 - done_t) * A_t+1, A_4 = 0:
//   A_3 = 2
//   A_2 = 1 + 0.25 * 0 * 2   =  1      (cut: terminated)
//   A_1 = -1 + 0.25 * 0 * 1  = -1      (cut: truncated)
//   A_0 = 0.5 + 0.25 * (-1)  =  0.25
// Returns = A + V = [2.25, 2, 2, 4].
struct GaeExample {
  torch::Tensor Rewards = vec({1, 0, 2, 1});
  torch::Tensor Values = vec({2, 3, 1, 2});
  torch::Tensor NextValues = vec({3, 4, 5, 6});
  torch::Tensor Terminated = vec({0, 0, 1, 0});
  torch::Tensor Truncated = vec({0, 1, 0, 0});
};

TEST(GaeTest, TruncationBootstrapsTerminationDoesNotBothCut) {
  GaeExample E;
  GaeResult R = computeGae(E.Rewards, E.Values, E.NextValues, E.Terminated,
                           E.Truncated, /*Gamma=*/0.5, /*Lambda=*/0.5);
  expectClose(R.Advantages, vec({0.25, -1, 1, 2}));
  expectClose(R.Returns, vec({2.25, 2, 2, 4}));

  // Treating the truncation as terminal (CleanRL's shortcut) would give
  // delta_1 = 0 - 3 = -3: we do not.
  EXPECT_NE(R.Advantages[1].item<double>(), -3.0);
  // Not cutting at the truncation would give A_1 = -1 + 0.25 * 1 = -0.75;
  // not cutting at the termination, A_2 = 1 + 0.25 * 2 = 1.5.
  EXPECT_NE(R.Advantages[1].item<double>(), -0.75);
  EXPECT_NE(R.Advantages[2].item<double>(), 1.5);
}

TEST(GaeTest, BoolFlagsAndFloatTensors) {
  GaeExample E;
  GaeResult R =
      computeGae(E.Rewards.to(torch::kFloat), E.Values.to(torch::kFloat),
                 E.NextValues.to(torch::kFloat), E.Terminated.to(torch::kBool),
                 E.Truncated.to(torch::kBool), 0.5, 0.5);
  EXPECT_EQ(R.Advantages.scalar_type(), torch::kFloat);
  expectClose(R.Advantages, vec({0.25, -1, 1, 2}));
}

// Envs as a second dimension: column 0 is the example above, column 1 never
// ends, r = 1, V = 0: delta = 1, A_3 = 1, A_2 = 1.25, A_1 = 1.3125,
// A_0 = 1.328125.
TEST(GaeTest, SeveralEnvs) {
  GaeExample E;
  auto Col = [](const torch::Tensor &A, std::vector<double> B) {
    return torch::stack({A, vec(B)}, 1);
  };
  GaeResult R = computeGae(
      Col(E.Rewards, {1, 1, 1, 1}), Col(E.Values, {0, 0, 0, 0}),
      Col(E.NextValues, {0, 0, 0, 0}), Col(E.Terminated, {0, 0, 0, 0}),
      Col(E.Truncated, {0, 0, 0, 0}), 0.5, 0.5);
  expectClose(R.Advantages,
              mat({{0.25, 1.328125}, {-1, 1.3125}, {1, 1.25}, {2, 1}}));
  expectClose(R.Returns,
              mat({{2.25, 1.328125}, {2, 1.3125}, {2, 1.25}, {4, 1}}));
}

TEST(GaeTest, ShapeMismatchThrows) {
  GaeExample E;
  EXPECT_THROW(computeGae(E.Rewards, vec({1, 2, 3}), E.NextValues, E.Terminated,
                          E.Truncated, 0.5, 0.5),
               c10::Error);
}

//===----------------------------------------------------------------------===//
// PPO
//===----------------------------------------------------------------------===//

TEST(PpoTest, DefaultOptions) {
  PpoOptions O;
  EXPECT_EQ(O.Gamma, 0.98);
  EXPECT_EQ(O.GaeLambda, 0.95);
  EXPECT_EQ(O.ClipCoef, 0.2);
  EXPECT_TRUE(O.ClipValueLoss);
  EXPECT_EQ(O.ValueClipCoef, 0.2);
  EXPECT_EQ(O.EntropyCoef, 0.001);
  EXPECT_EQ(O.ValueCoef, 0.5);
  EXPECT_TRUE(O.NormalizeAdvantages);
  EXPECT_EQ(O.MaxGradNorm, 0.5);
}

// eps = 0.2, old log-probs 0, so ratio = exp(new log-prob):
//   i  ratio  A   ratio*A  clip(ratio)*A  -min   clipped?
//   0  1.1    2    2.2        2.2         -2.2   no  (inside)
//   1  1.5    1    1.5        1.2         -1.2   yes (A > 0, above)
//   2  0.5   -1   -0.5       -0.8          0.8   yes (A < 0, below)
//   3  1.5   -2   -3.0       -2.4          3.0   no  (A < 0, above: min
//                                                   keeps the unclipped)
//   4  0.5    1    0.5        0.8         -0.5   no  (A > 0, below)
// Policy = (-2.2 - 1.2 + 0.8 + 3 - 0.5) / 5 = -0.1 / 5 = -0.02.
// d Policy / d newlogprob_i = -ratio_i * A_i / 5 where the unclipped term
// is the min, 0 where the clipped one is: [-0.44, 0, 0, 0.6, -0.1].
// ClipFraction: |ratio - 1| > 0.2 for i = 1..4: 4 / 5 = 0.8.
// ApproxKl = mean((r - 1) - ln r)
//          = (0.1 - ln 1.1 + 2 (0.5 - ln 1.5) + 2 (-0.5 - ln 0.5)) / 5
//          = 0.116010793...
// Values (c = 0.2):
//   V    V_old  R    (V-R)^2  V_old+clip(V-V_old)  (clipped-R)^2  max
//   1.0  0.5    2.0  1.0      0.7                  1.69           1.69
//   1.0  0.9    0.0  1.0      1.0                  1.0            1.0
//   0.0  1.0    0.5  0.25     0.8                  0.09           0.25
// Value = 0.5 * (1.69 + 1 + 0.25) / 3 = 0.49; unclipped
// 0.5 * (1 + 1 + 0.25) / 3 = 0.375.
// Entropy = mean(0.5, 1, 1.5, 2, 2.5) = 1.5.
// Total = -0.02 - 0.001 * 1.5 + 0.5 * 0.49 = 0.2235.
struct PpoExample {
  std::vector<double> Ratios = {1.1, 1.5, 0.5, 1.5, 0.5};
  torch::Tensor NewLogProb = vec({std::log(1.1), std::log(1.5), std::log(0.5),
                                  std::log(1.5), std::log(0.5)})
                                 .requires_grad_();
  torch::Tensor OldLogProb = vec({0, 0, 0, 0, 0});
  torch::Tensor Advantages = vec({2, 1, -1, -2, 1});
  torch::Tensor NewValues = vec({1.0, 1.0, 0.0}).requires_grad_();
  torch::Tensor OldValues = vec({0.5, 0.9, 1.0});
  torch::Tensor Returns = vec({2.0, 0.0, 0.5});
  torch::Tensor Entropy = vec({0.5, 1, 1.5, 2, 2.5});
};

PpoOptions noNormalization() {
  PpoOptions O;
  O.NormalizeAdvantages = false;
  return O;
}

TEST(PpoTest, ClippedSurrogateBothSigns) {
  PpoExample E;
  PpoLosses L = ppoLosses(E.NewLogProb, E.OldLogProb, E.Advantages, E.NewValues,
                          E.OldValues, E.Returns, E.Entropy, noNormalization());
  expectScalar(L.Policy, -0.02);
  L.Policy.backward();
  expectClose(E.NewLogProb.grad(), vec({-0.44, 0, 0, 0.6, -0.1}));
}

TEST(PpoTest, ApproxKlAndClipFraction) {
  PpoExample E;
  PpoLosses L = ppoLosses(E.NewLogProb, E.OldLogProb, E.Advantages, E.NewValues,
                          E.OldValues, E.Returns, E.Entropy, noNormalization());
  double Kl = (0.1 - std::log(1.1) + 2 * (0.5 - std::log(1.5)) +
               2 * (-0.5 - std::log(0.5))) /
              5;
  expectScalar(L.ApproxKl, Kl);
  expectScalar(L.ApproxKl, 0.11601079302);
  expectScalar(L.ClipFraction, 0.8);
  EXPECT_FALSE(L.ApproxKl.requires_grad());
  EXPECT_FALSE(L.ClipFraction.requires_grad());
}

TEST(PpoTest, ValueLossClippedAndUnclipped) {
  PpoExample E;
  PpoLosses L = ppoLosses(E.NewLogProb, E.OldLogProb, E.Advantages, E.NewValues,
                          E.OldValues, E.Returns, E.Entropy, noNormalization());
  expectScalar(L.Value, 0.49);
  // Gradient: sample 0 takes the clipped term, constant in V (clip is
  // saturated): 0; sample 1: 0.5 * 2 (V - R) / 3 = 1/3 (both terms equal,
  // max picks one of them; the clipped one has V - V_old = 0.1 inside the
  // clip range, same gradient); sample 2: 0.5 * 2 * (0 - 0.5) / 3 = -1/6.
  L.Value.backward();
  expectClose(E.NewValues.grad(), vec({0, 1.0 / 3, -1.0 / 6}));

  PpoOptions NoClip = noNormalization();
  NoClip.ClipValueLoss = false;
  PpoLosses U = ppoLosses(E.NewLogProb, E.OldLogProb, E.Advantages, E.NewValues,
                          E.OldValues, E.Returns, E.Entropy, NoClip);
  expectScalar(U.Value, 0.375);
}

TEST(PpoTest, EntropyAndTotal) {
  PpoExample E;
  PpoLosses L = ppoLosses(E.NewLogProb, E.OldLogProb, E.Advantages, E.NewValues,
                          E.OldValues, E.Returns, E.Entropy, noNormalization());
  expectScalar(L.Entropy, 1.5);
  expectScalar(L.Total, -0.02 - 0.001 * 1.5 + 0.5 * 0.49);
  expectScalar(L.Total, 0.2235);
}

// A = [1, 2, 3, 4]: mean 2.5, sample std sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3)
// = sqrt(5/3), normalized A = [-1.5, -0.5, 0.5, 1.5] / (sqrt(5/3) + 1e-8).
// ratios [1, 1, 1, 1.1] all inside the clip range:
// Policy = -(sum A_n + 0.1 * A_n[3]) / 4 = -0.1 * 1.5 / (sqrt(5/3) + 1e-8) / 4
//        = -0.0290473749.
TEST(PpoTest, AdvantageNormalization) {
  torch::Tensor NewLogProb = vec({0, 0, 0, std::log(1.1)});
  torch::Tensor Zeros = vec({0, 0, 0, 0});
  torch::Tensor Adv = vec({1, 2, 3, 4});
  PpoLosses L =
      ppoLosses(NewLogProb, Zeros, Adv, Zeros, Zeros, Zeros, Zeros, {});
  const double Std = std::sqrt(5.0 / 3.0) + 1e-8;
  expectScalar(L.Policy, -0.1 * 1.5 / Std / 4);
  expectScalar(L.Policy, -0.0290473749);

  // Without normalization: -(1 + 2 + 3 + 1.1 * 4) / 4 = -2.6.
  PpoLosses Raw = ppoLosses(NewLogProb, Zeros, Adv, Zeros, Zeros, Zeros, Zeros,
                            noNormalization());
  expectScalar(Raw.Policy, -2.6);

  // A single sample is left as is (its sample std is undefined).
  PpoLosses One = ppoLosses(vec({0}), vec({0}), vec({3}), vec({0}), vec({0}),
                            vec({0}), vec({0}), {});
  expectScalar(One.Policy, -3);
}

//===----------------------------------------------------------------------===//
// Discrete SAC
//===----------------------------------------------------------------------===//

TEST(SacTest, DefaultOptionsAndTargetEntropy) {
  SacOptions O;
  EXPECT_EQ(O.Gamma, 0.98);
  EXPECT_EQ(O.Tau, 0.005);
  EXPECT_EQ(O.TargetEntropyScale, 0.3);
  EXPECT_EQ(O.RewardScale, 10.0);
  // -0.89 * log(1/2) = 0.89 * ln 2.
  EXPECT_NEAR(sacTargetEntropy(2, 0.89), 0.6169009907, kTol);
  EXPECT_NEAR(sacTargetEntropy(124, 1.0), std::log(124.0), kTol);
}

// Two actions, alpha = 0.5, gamma = 0.9, the same s' for both transitions:
//   next logits [0, ln 3] -> pi' = [0.25, 0.75]
//   Q1' = [1, 4], Q2' = [2, 3] -> min = [1, 3]
//   V(s') = 0.25 (1 - 0.5 ln 0.25) + 0.75 (3 - 0.5 ln 0.75)
//         = 0.25 * 1.693147 + 0.75 * 3.143841 = 2.781167572
//   y_0 = 1 + 0.9 * 2.781167572 = 3.503050815   (r = 1, not terminated)
//   y_1 = 2                                      (r = 2, terminated)
struct SacExample {
  torch::Tensor Rewards = vec({1, 2});
  torch::Tensor Terminated = vec({0, 1});
  torch::Tensor NextLogits = mat({{0, std::log(3.0)}, {0, std::log(3.0)}});
  torch::Tensor NextQ1 = mat({{1, 4}, {1, 4}});
  torch::Tensor NextQ2 = mat({{2, 3}, {2, 3}});
  torch::Tensor LogAlpha = vec({std::log(0.5)}).requires_grad_();
};

TEST(SacTest, CriticTargetByHand) {
  SacExample E;
  torch::Tensor Y = sacCriticTarget(E.Rewards, E.Terminated, E.NextLogits,
                                    E.NextQ1, E.NextQ2, E.LogAlpha, 0.9);
  const double V =
      0.25 * (1 - 0.5 * std::log(0.25)) + 0.75 * (3 - 0.5 * std::log(0.75));
  expectClose(Y, vec({1 + 0.9 * V, 2}));
  expectClose(Y, vec({3.503050815, 2}));
  EXPECT_FALSE(Y.requires_grad());

  // Terminations as bools give the same target.
  expectClose(sacCriticTarget(E.Rewards, E.Terminated.to(torch::kBool),
                              E.NextLogits, E.NextQ1, E.NextQ2, E.LogAlpha,
                              0.9),
              Y);
}

// The batch of SacExample at s:
//   state 0: logits [0, ln 3] -> pi = [0.25, 0.75]; Q1 = [2, 1],
//            Q2 = [3, 0] -> min = [2, 0]; action taken 1
//   state 1: logits [0, 0]    -> pi = [0.5, 0.5];   Q1 = Q2 = [1, 1];
//            action taken 0
// Critic: Q1(s, a) = [1, 1], Q2(s, a) = [0, 1], y = [3.503050815, 2]
//   Q1Loss = ((1 - 3.503050815)^2 + (1 - 2)^2) / 2 = 3.632631691
//   Q2Loss = ((0 - 3.503050815)^2 + (1 - 2)^2) / 2 = 6.635682507
// Actor (alpha = 0.5):
//   state 0: 0.25 (0.5 ln 0.25 - 2) + 0.75 (0.5 ln 0.75 - 0) = -0.781167572
//   state 1: 0.5 (0.5 ln 0.5 - 1) * 2 = 0.5 ln 0.5 - 1      = -1.346573590
//   Actor = -1.063870581
// Alpha: target entropy H = 0.89 ln 2 = 0.616900991; per state
//   sum_a pi (-log_alpha (log pi + H)) = -log_alpha (H - entropy(pi))
//   entropies: 0.562335145 and ln 2 = 0.693147181 (mean 0.627741163)
//   state 0: ln 2 * (0.616900991 - 0.562335145) =  0.037822162
//   state 1: ln 2 * (0.616900991 - 0.693147181) = -0.052849832
//   Alpha = -0.007513835; d Alpha / d log_alpha = mean entropy - H
//         = 0.010840172.
SacBatch sacBatch(const SacExample &E) {
  SacBatch B;
  B.Actions = torch::tensor({1, 0}, torch::kLong);
  B.Rewards = E.Rewards;
  B.Terminated = E.Terminated;
  B.Logits = mat({{0, std::log(3.0)}, {0, 0}}).requires_grad_();
  B.Q1 = mat({{2, 1}, {1, 1}}).requires_grad_();
  B.Q2 = mat({{3, 0}, {1, 1}}).requires_grad_();
  B.NextLogits = E.NextLogits;
  B.NextQ1Target = E.NextQ1;
  B.NextQ2Target = E.NextQ2;
  B.LogAlpha = E.LogAlpha;
  return B;
}

/// CleanRL's reward scale and entropy target, and gamma 0.9.
SacOptions gamma09() {
  SacOptions O;
  O.Gamma = 0.9;
  O.RewardScale = 1;
  O.TargetEntropyScale = 0.89;
  return O;
}

TEST(SacTest, CriticLossByHand) {
  SacExample E;
  SacBatch B = sacBatch(E);
  SacLosses L = sacLosses(B, gamma09());
  expectClose(L.Target, vec({3.503050815, 2}));
  expectScalar(L.Q1Loss, 3.632631691);
  expectScalar(L.Q2Loss, 6.635682507);
  expectScalar(L.Critic, 3.632631691 + 6.635682507);

  // Gradient only on the taken actions: 2 (Q - y) / B.
  L.Critic.backward();
  expectClose(B.Q1.grad(), mat({{0, 1 - 3.503050815}, {-1, 0}}));
  expectClose(B.Q2.grad(), mat({{0, 0 - 3.503050815}, {-1, 0}}));
  EXPECT_FALSE(B.Logits.grad().defined());
  EXPECT_FALSE(E.LogAlpha.grad().defined());

  // RewardScale multiplies the rewards: y = [2 + 0.9 V, 4].
  SacOptions Scaled = gamma09();
  Scaled.RewardScale = 2;
  expectClose(sacLosses(sacBatch(E), Scaled).Target, vec({3.503050815 + 1, 4}));
}

TEST(SacTest, ActorLossByHand) {
  SacExample E;
  SacBatch B = sacBatch(E);
  SacLosses L = sacLosses(B, gamma09());
  expectScalar(L.Actor, -1.063870581);
  expectScalar(L.Entropy, 0.627741163);
  expectScalar(L.AlphaValue, 0.5);

  // Q and alpha are constants for the actor.
  L.Actor.backward();
  ASSERT_TRUE(B.Logits.grad().defined());
  EXPECT_FALSE(B.Q1.grad().defined());
  EXPECT_FALSE(B.Q2.grad().defined());
  EXPECT_FALSE(E.LogAlpha.grad().defined());
}

TEST(SacTest, AlphaLossByHand) {
  SacExample E;
  SacBatch B = sacBatch(E);
  SacLosses L = sacLosses(B, gamma09());
  expectScalar(L.Alpha, -0.007513835);

  // pi is a constant for the temperature loss.
  L.Alpha.backward();
  ASSERT_TRUE(E.LogAlpha.grad().defined());
  expectClose(E.LogAlpha.grad(), vec({0.010840172}));
  EXPECT_FALSE(B.Logits.grad().defined());
}

TEST(PolyakTest, LinearAfterOneUpdate) {
  torch::nn::Linear Target(2, 1), Source(2, 1);
  {
    torch::NoGradGuard NoGrad;
    Target->weight.copy_(torch::tensor({{1.0f, 2.0f}}));
    Target->bias.copy_(torch::tensor({0.0f}));
    Source->weight.copy_(torch::tensor({{3.0f, -2.0f}}));
    Source->bias.copy_(torch::tensor({1.0f}));
  }
  // tau = 0.25: W = 0.25 [3, -2] + 0.75 [1, 2] = [0.75 + 0.75, -0.5 + 1.5]
  //                                            = [1.5, 1.0],
  //             b = 0.25 * 1 + 0.75 * 0 = 0.25.
  polyakUpdate(*Target, *Source, 0.25);
  expectClose(Target->weight, mat({{1.5, 1.0}}));
  expectClose(Target->bias, vec({0.25}));
  expectClose(Source->weight, mat({{3, -2}}));
  expectClose(Source->bias, vec({1}));
  EXPECT_TRUE(Target->weight.requires_grad());

  // Again: W = 0.25 [3, -2] + 0.75 [1.5, 1] = [0.75 + 1.125, -0.5 + 0.75]
  //                                         = [1.875, 0.25].
  polyakUpdate(*Target, *Source, 0.25);
  expectClose(Target->weight, mat({{1.875, 0.25}}));
}

TEST(PolyakTest, MismatchedModulesThrow) {
  torch::nn::Linear Target(2, 1), Source(3, 1);
  EXPECT_THROW(polyakUpdate(*Target, *Source, 0.5), c10::Error);
}

} // namespace
} // namespace passgym::learning
