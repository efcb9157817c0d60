//===- learning/algorithms/Losses.h - GAE, PPO and SAC losses ---*- C++ -*-===//
//
// The maths of the two learning algorithms, as pure functions over tensors
// (no environment, no optimizer), in the style of CleanRL:
//   computeGae    generalized advantage estimation (Schulman et al., ICLR
//                 2016), terminations and truncations kept apart;
//   ppoLosses     PPO's clipped surrogate, clipped value loss and entropy
//                 bonus (Schulman et al., 2017);
//   sacLosses     discrete-action SAC (Christodoulou, 2019): soft critic
//                 target, critic, actor and temperature losses;
//   polyakUpdate  target <- tau * source + (1 - tau) * target.
// docs/learning.md ("Losses") gives the equations.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_LOSSES_H
#define PASSGYM_LEARNING_ALGORITHMS_LOSSES_H

#include <torch/torch.h>

#include <cstdint>

namespace passgym::learning {

/// Every hyperparameter of each algorithm, with its default, is in its own
/// header (Ppo.h, Sac.h); the losses read the ones they need.
struct PpoOptions;
struct SacOptions;

//===----------------------------------------------------------------------===//
// GAE
//===----------------------------------------------------------------------===//

struct GaeResult {
  torch::Tensor Advantages; ///< Same shape as the rewards.
  torch::Tensor Returns;    ///< Advantages + Values: the value target.
};

/// Generalized advantage estimation over a rollout of T steps, shaped [T] or
/// [T, Envs] (time first). For each step t:
///   delta_t = r_t + gamma * V(s_{t+1}) * (1 - terminated_t) - V(s_t)
///   A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1},  A_T = 0
/// with done_t = terminated_t OR truncated_t. A truncated step (time limit)
/// still bootstraps from V(s_{t+1}) in its delta; only a terminated step has
/// no future value. Both cut the recursion, since step t+1 belongs to
/// another episode.
///
/// \p NextValues[t] is V of the observation that followed step t; for a
/// truncated step it must be the value of the final observation of the
/// episode (before the reset), not of the reset observation. \p Terminated
/// and \p Truncated may be bool or floating point (0/1). Inputs are detached;
/// the result has the dtype of \p Rewards.
GaeResult computeGae(const torch::Tensor &Rewards, const torch::Tensor &Values,
                     const torch::Tensor &NextValues,
                     const torch::Tensor &Terminated,
                     const torch::Tensor &Truncated, double Gamma,
                     double Lambda);

//===----------------------------------------------------------------------===//
// PPO
//===----------------------------------------------------------------------===//

struct PpoLosses {
  torch::Tensor Policy;  ///< Clipped surrogate loss (to minimize).
  torch::Tensor Value;   ///< 0.5 * (clipped) squared error.
  torch::Tensor Entropy; ///< Mean policy entropy (a bonus, not a loss).
  /// Policy - EntropyCoef * Entropy + ValueCoef * Value.
  torch::Tensor Total;
  /// Diagnostics (detached): ((ratio - 1) - log ratio).mean(), an unbiased,
  /// non-negative estimator of KL(old || new), and the fraction of samples
  /// with |ratio - 1| > ClipCoef.
  torch::Tensor ApproxKl;
  torch::Tensor ClipFraction;
};

/// PPO's losses on one minibatch, all tensors [B]:
///   ratio  = exp(NewLogProb - OldLogProb)
///   Policy = mean(-min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A))
///   Value  = 0.5 * mean(max((V - R)^2,
///                           (V_old + clip(V - V_old, -c, c) - R)^2))
///            (0.5 * mean((V - R)^2) without value clipping)
/// where A are the (optionally normalized) \p Advantages, V = \p NewValues,
/// V_old = \p OldValues and R = \p Returns. \p OldLogProb, \p Advantages,
/// \p OldValues and \p Returns are treated as constants. Reads ClipCoef,
/// ClipValueLoss, ValueClipCoef, EntropyCoef, ValueCoef and
/// NormalizeAdvantages.
PpoLosses
ppoLosses(const torch::Tensor &NewLogProb, const torch::Tensor &OldLogProb,
          const torch::Tensor &Advantages, const torch::Tensor &NewValues,
          const torch::Tensor &OldValues, const torch::Tensor &Returns,
          const torch::Tensor &Entropy, const PpoOptions &Options);

//===----------------------------------------------------------------------===//
// Discrete SAC
//===----------------------------------------------------------------------===//

/// The entropy the temperature is tuned towards: Scale * log(NumActions).
double sacTargetEntropy(int64_t NumActions, double Scale);

/// The soft Bellman target of discrete SAC, [B], without gradient:
///   y = r + gamma * (1 - d) * sum_a pi(a|s') [min(Q1', Q2')(s', a)
///                                            - alpha * log pi(a|s')]
/// with pi = softmax(\p NextLogits), Q1', Q2' the target critics at s',
/// alpha = exp(\p LogAlpha). \p Terminated ([B], bool or 0/1) holds
/// terminations only: a truncated transition still bootstraps.
torch::Tensor sacCriticTarget(const torch::Tensor &Rewards,
                              const torch::Tensor &Terminated,
                              const torch::Tensor &NextLogits,
                              const torch::Tensor &NextQ1Target,
                              const torch::Tensor &NextQ2Target,
                              const torch::Tensor &LogAlpha, double Gamma);

/// One batch of transitions (s, a, r, s', terminated) and the networks'
/// outputs on it. B transitions, A actions.
struct SacBatch {
  torch::Tensor Actions;      ///< [B] int64, the actions taken.
  torch::Tensor Rewards;      ///< [B]
  torch::Tensor Terminated;   ///< [B] terminations only (bool or 0/1).
  torch::Tensor Logits;       ///< [B, A] actor at s (with gradient).
  torch::Tensor Q1;           ///< [B, A] online critic 1 at s (with gradient).
  torch::Tensor Q2;           ///< [B, A] online critic 2 at s (with gradient).
  torch::Tensor NextLogits;   ///< [B, A] actor at s'.
  torch::Tensor NextQ1Target; ///< [B, A] target critic 1 at s'.
  torch::Tensor NextQ2Target; ///< [B, A] target critic 2 at s'.
  torch::Tensor LogAlpha;     ///< Scalar (or [1]) log temperature.
};

struct SacLosses {
  /// y of sacCriticTarget on RewardScale * Rewards (detached).
  torch::Tensor Target;
  /// mean((Q_i(s, a) - y)^2) and their sum (CleanRL's qf_loss).
  torch::Tensor Q1Loss;
  torch::Tensor Q2Loss;
  torch::Tensor Critic;
  /// mean_B sum_a pi(a|s) [alpha * log pi(a|s) - min(Q1, Q2)(s, a)], with
  /// alpha and Q detached: gradient to the actor only.
  torch::Tensor Actor;
  /// mean_B sum_a pi(a|s) * (-log_alpha * (log pi(a|s) + target_entropy)),
  /// with pi detached: gradient to LogAlpha only. For a fixed temperature,
  /// just do not step LogAlpha.
  torch::Tensor Alpha;
  /// Diagnostics (detached): the temperature exp(LogAlpha) and the mean
  /// policy entropy -sum_a pi log pi at s.
  torch::Tensor AlphaValue;
  torch::Tensor Entropy;
};

/// Discrete SAC's three losses on one batch. Each has gradient only towards
/// its own parameters (critics, actor, LogAlpha), so they can be minimized
/// by three optimizers in any order. Reads Gamma, RewardScale and
/// TargetEntropyScale.
SacLosses sacLosses(const SacBatch &Batch, const SacOptions &Options);

/// target = tau * source + (1 - tau) * target for every parameter, matched
/// by name, under torch::NoGradGuard. Buffers are left alone (our models
/// have none). Throws c10::Error if the two modules' parameters differ in
/// names or shapes.
void polyakUpdate(torch::nn::Module &Target, const torch::nn::Module &Source,
                  double Tau);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_LOSSES_H
