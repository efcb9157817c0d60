//===- learning/algorithms/Losses.cpp - GAE, PPO and SAC losses -----------===//
#include "learning/algorithms/Losses.h"

#include "learning/algorithms/Ppo.h"
#include "learning/algorithms/Sac.h"

#include <cmath>
#include <string>

namespace passgym::learning {

namespace {

/// 0/1 flags (bool or floating point) as floats of \p Like's dtype.
torch::Tensor asFloat(const torch::Tensor &Flags, const torch::Tensor &Like) {
  return Flags.detach().to(Like.scalar_type());
}

void checkSameShape(const torch::Tensor &A, const torch::Tensor &B,
                    const char *What) {
  TORCH_CHECK(A.sizes() == B.sizes(), What, ": shape ", B.sizes(),
              " differs from ", A.sizes());
}

} // namespace

//===----------------------------------------------------------------------===//
// GAE
//===----------------------------------------------------------------------===//

GaeResult computeGae(const torch::Tensor &Rewards, const torch::Tensor &Values,
                     const torch::Tensor &NextValues,
                     const torch::Tensor &Terminated,
                     const torch::Tensor &Truncated, double Gamma,
                     double Lambda) {
  TORCH_CHECK(Rewards.dim() == 1 || Rewards.dim() == 2,
              "computeGae: rewards must be [T] or [T, Envs], got ",
              Rewards.sizes());
  checkSameShape(Rewards, Values, "computeGae: values");
  checkSameShape(Rewards, NextValues, "computeGae: next values");
  checkSameShape(Rewards, Terminated, "computeGae: terminated");
  checkSameShape(Rewards, Truncated, "computeGae: truncated");
  torch::NoGradGuard NoGrad;

  torch::Tensor R = Rewards.detach();
  torch::Tensor V = Values.detach().to(R.scalar_type());
  torch::Tensor NextV = NextValues.detach().to(R.scalar_type());
  torch::Tensor Term = asFloat(Terminated, R);
  torch::Tensor Done =
      torch::logical_or(Terminated.detach(), Truncated.detach())
          .to(R.scalar_type());

  // delta_t = r_t + gamma * V(s_{t+1}) * (1 - terminated_t) - V(s_t):
  // truncation does not stop the bootstrap.
  torch::Tensor Delta = R + Gamma * NextV * (1 - Term) - V;

  torch::Tensor Advantages = torch::zeros_like(R);
  torch::Tensor Next = torch::zeros_like(R[0]); // A_T = 0
  for (int64_t T = R.size(0) - 1; T >= 0; --T) {
    // A_t = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}: any episode
    // end cuts the recursion.
    Next = Delta[T] + Gamma * Lambda * (1 - Done[T]) * Next;
    Advantages[T] = Next;
  }
  return {Advantages, Advantages + V};
}

//===----------------------------------------------------------------------===//
// PPO
//===----------------------------------------------------------------------===//

PpoLosses
ppoLosses(const torch::Tensor &NewLogProb, const torch::Tensor &OldLogProb,
          const torch::Tensor &Advantages, const torch::Tensor &NewValues,
          const torch::Tensor &OldValues, const torch::Tensor &Returns,
          const torch::Tensor &Entropy, const PpoOptions &Options) {
  checkSameShape(NewLogProb, OldLogProb, "ppoLosses: old log-probs");
  checkSameShape(NewLogProb, Advantages, "ppoLosses: advantages");
  checkSameShape(NewValues, OldValues, "ppoLosses: old values");
  checkSameShape(NewValues, Returns, "ppoLosses: returns");

  torch::Tensor LogRatio = NewLogProb - OldLogProb.detach();
  torch::Tensor Ratio = LogRatio.exp();

  torch::Tensor A = Advantages.detach();
  if (Options.NormalizeAdvantages && A.numel() > 1)
    A = (A - A.mean()) / (A.std() + 1e-8);

  // L^CLIP: -min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A).
  const double Eps = Options.ClipCoef;
  torch::Tensor Surrogate = Ratio * A;
  torch::Tensor ClippedSurrogate = torch::clamp(Ratio, 1 - Eps, 1 + Eps) * A;
  torch::Tensor Policy = -torch::min(Surrogate, ClippedSurrogate).mean();

  torch::Tensor OldV = OldValues.detach();
  torch::Tensor R = Returns.detach();
  torch::Tensor Unclipped = (NewValues - R).pow(2);
  torch::Tensor Value;
  if (Options.ClipValueLoss) {
    const double C = Options.ValueClipCoef;
    torch::Tensor ClippedV = OldV + torch::clamp(NewValues - OldV, -C, C);
    torch::Tensor Clipped = (ClippedV - R).pow(2);
    Value = 0.5 * torch::max(Unclipped, Clipped).mean();
  } else {
    Value = 0.5 * Unclipped.mean();
  }

  torch::Tensor EntropyMean = Entropy.mean();
  torch::Tensor Total =
      Policy - Options.EntropyCoef * EntropyMean + Options.ValueCoef * Value;

  torch::Tensor ApproxKl, ClipFraction;
  {
    torch::NoGradGuard NoGrad;
    // http://joschu.net/blog/kl-approx.html: (r - 1) - log r >= 0.
    ApproxKl = ((Ratio - 1) - LogRatio).mean().detach();
    ClipFraction =
        ((Ratio - 1).abs() > Eps).to(Ratio.scalar_type()).mean().detach();
  }
  return {Policy, Value, EntropyMean, Total, ApproxKl, ClipFraction};
}

//===----------------------------------------------------------------------===//
// Discrete SAC
//===----------------------------------------------------------------------===//

double sacTargetEntropy(int64_t NumActions, double Scale) {
  TORCH_CHECK(NumActions > 0, "sacTargetEntropy: no actions");
  // -scale * log(1 / |A|): scale times the entropy of the uniform policy.
  return -Scale * std::log(1.0 / static_cast<double>(NumActions));
}

torch::Tensor sacCriticTarget(const torch::Tensor &Rewards,
                              const torch::Tensor &Terminated,
                              const torch::Tensor &NextLogits,
                              const torch::Tensor &NextQ1Target,
                              const torch::Tensor &NextQ2Target,
                              const torch::Tensor &LogAlpha, double Gamma) {
  TORCH_CHECK(NextLogits.dim() == 2, "sacCriticTarget: logits must be [B, A]");
  checkSameShape(NextLogits, NextQ1Target, "sacCriticTarget: Q1 target");
  checkSameShape(NextLogits, NextQ2Target, "sacCriticTarget: Q2 target");
  TORCH_CHECK(Rewards.dim() == 1 && Rewards.size(0) == NextLogits.size(0),
              "sacCriticTarget: rewards must be [B]");
  checkSameShape(Rewards, Terminated, "sacCriticTarget: terminated");
  torch::NoGradGuard NoGrad;

  torch::Tensor NextLogPi = torch::log_softmax(NextLogits.detach(), -1);
  torch::Tensor NextPi = NextLogPi.exp();
  torch::Tensor Alpha = LogAlpha.detach().exp();
  torch::Tensor MinQ = torch::min(NextQ1Target.detach(), NextQ2Target.detach());
  // V(s') = sum_a pi(a|s') [min Q'(s', a) - alpha * log pi(a|s')].
  torch::Tensor NextV = (NextPi * (MinQ - Alpha * NextLogPi)).sum(-1);
  torch::Tensor R = Rewards.detach();
  return R + Gamma * (1 - asFloat(Terminated, R)) * NextV;
}

SacLosses sacLosses(const SacBatch &Batch, const SacOptions &Options) {
  TORCH_CHECK(Batch.Logits.dim() == 2, "sacLosses: logits must be [B, A]");
  checkSameShape(Batch.Logits, Batch.Q1, "sacLosses: Q1");
  checkSameShape(Batch.Logits, Batch.Q2, "sacLosses: Q2");
  TORCH_CHECK(Batch.Actions.dim() == 1 &&
                  Batch.Actions.size(0) == Batch.Logits.size(0),
              "sacLosses: actions must be [B]");
  TORCH_CHECK(Batch.LogAlpha.numel() == 1,
              "sacLosses: LogAlpha must hold one value");

  SacLosses Out;
  Out.Target =
      sacCriticTarget(Options.RewardScale * Batch.Rewards.detach(),
                      Batch.Terminated, Batch.NextLogits, Batch.NextQ1Target,
                      Batch.NextQ2Target, Batch.LogAlpha, Options.Gamma);

  // Critics: regress Q_i(s, a) on the soft target.
  torch::Tensor Taken = Batch.Actions.to(torch::kLong).unsqueeze(-1);
  torch::Tensor Q1Taken = Batch.Q1.gather(-1, Taken).squeeze(-1);
  torch::Tensor Q2Taken = Batch.Q2.gather(-1, Taken).squeeze(-1);
  Out.Q1Loss = torch::mse_loss(Q1Taken, Out.Target);
  Out.Q2Loss = torch::mse_loss(Q2Taken, Out.Target);
  Out.Critic = Out.Q1Loss + Out.Q2Loss;

  // Actor: the expectation over actions is exact, no reparameterization.
  torch::Tensor LogPi = torch::log_softmax(Batch.Logits, -1);
  torch::Tensor Pi = LogPi.exp();
  torch::Tensor Alpha = Batch.LogAlpha.detach().exp().reshape({});
  torch::Tensor MinQ = torch::min(Batch.Q1.detach(), Batch.Q2.detach());
  Out.Actor = (Pi * (Alpha * LogPi - MinQ)).sum(-1).mean();

  // Temperature: J(alpha) = E_s[ pi(s)^T (-log_alpha * (log pi(s) + H))].
  const double TargetEntropy =
      sacTargetEntropy(Batch.Logits.size(-1), Options.TargetEntropyScale);
  torch::Tensor LogAlpha = Batch.LogAlpha.reshape({});
  Out.Alpha = (Pi.detach() * (-LogAlpha * (LogPi.detach() + TargetEntropy)))
                  .sum(-1)
                  .mean();

  Out.AlphaValue = Alpha;
  Out.Entropy = -(Pi * LogPi).sum(-1).mean().detach();
  return Out;
}

void polyakUpdate(torch::nn::Module &Target, const torch::nn::Module &Source,
                  double Tau) {
  torch::NoGradGuard NoGrad;
  auto TargetParams = Target.named_parameters();
  auto SourceParams = Source.named_parameters();
  TORCH_CHECK(TargetParams.size() == SourceParams.size(),
              "polyakUpdate: ", TargetParams.size(), " target parameters but ",
              SourceParams.size(), " source parameters");
  for (auto &Item : TargetParams) {
    const torch::Tensor *From = SourceParams.find(Item.key());
    TORCH_CHECK(From, "polyakUpdate: source has no parameter ", Item.key());
    torch::Tensor &To = Item.value();
    TORCH_CHECK(To.sizes() == From->sizes(), "polyakUpdate: ", Item.key(),
                " has shape ", To.sizes(), " in the target and ", From->sizes(),
                " in the source");
    // target = tau * source + (1 - tau) * target
    To.mul_(1 - Tau).add_(*From, Tau);
  }
}

} // namespace passgym::learning
