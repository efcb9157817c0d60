//===- learning/networks/Networks.h - One network per role ------*- C++ -*-===//
//
// The networks an agent is made of, each a state encoder and only the heads
// its role reads:
//   Actor        encoder + policy head: what evaluation runs, SAC's actor;
//   ActorCritic  an Actor plus a value head on the same embedding (PPO);
//   Critic       encoder + Q head (SAC's two critics and their targets).
// Initialization draws from torch's global generator in the order the
// modules are registered (encoder, Autophase MLP, policy, value), and
// parameters() lists them in that order.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_NETWORKS_NETWORKS_H
#define PASSGYM_LEARNING_NETWORKS_NETWORKS_H

#include "learning/inputs/StateBatch.h"
#include "learning/networks/Encoders.h"
#include "learning/networks/Heads.h"
#include "learning/networks/NetworkOptions.h"

#include <torch/torch.h>

namespace passgym::learning {

class ActorImpl : public torch::nn::Module {
public:
  explicit ActorImpl(const NetworkOptions &Options);
  /// Action logits [B, NumActions].
  torch::Tensor forward(const StateBatch &States) {
    return Head(Encoder(States));
  }

  NetworkOptions Options;
  StateEncoder Encoder{nullptr};
  PolicyHead Head{nullptr};
};
TORCH_MODULE(Actor);

struct ActorCriticOutput {
  torch::Tensor Logits; ///< [B, NumActions]
  torch::Tensor Value;  ///< [B]
};

class ActorCriticImpl : public torch::nn::Module {
public:
  explicit ActorCriticImpl(const NetworkOptions &Options);
  /// The encoder runs once for both heads.
  ActorCriticOutput forward(const StateBatch &States);

  Actor Policy{nullptr};
  ValueHead Value{nullptr};
};
TORCH_MODULE(ActorCritic);

class CriticImpl : public torch::nn::Module {
public:
  explicit CriticImpl(const NetworkOptions &Options);
  /// Q-values [B, NumActions].
  torch::Tensor forward(const StateBatch &States) {
    return Head(Encoder(States));
  }

  NetworkOptions Options;
  StateEncoder Encoder{nullptr};
  QHead Head{nullptr};
};
TORCH_MODULE(Critic);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_NETWORKS_NETWORKS_H
