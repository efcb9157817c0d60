//===- learning/networks/Networks.cpp - One network per role --------------===//
#include "learning/networks/Networks.h"

namespace passgym::learning {

ActorImpl::ActorImpl(const NetworkOptions &Options) : Options(Options) {
  Encoder = register_module("encoder", StateEncoder(Options));
  Head =
      register_module("policy", PolicyHead(Encoder->width(), Options.HiddenSize,
                                           Options.NumActions));
}

ActorCriticImpl::ActorCriticImpl(const NetworkOptions &Options) {
  Policy = register_module("actor", Actor(Options));
  Value = register_module(
      "value", ValueHead(Policy->Encoder->width(), Options.HiddenSize));
}

ActorCriticOutput ActorCriticImpl::forward(const StateBatch &States) {
  torch::Tensor Embedding = Policy->Encoder(States);
  return {Policy->Head(Embedding), Value(Embedding)};
}

CriticImpl::CriticImpl(const NetworkOptions &Options) : Options(Options) {
  Encoder = register_module("encoder", StateEncoder(Options));
  Head = register_module(
      "q", QHead(Encoder->width(), Options.HiddenSize, Options.NumActions));
}

} // namespace passgym::learning
