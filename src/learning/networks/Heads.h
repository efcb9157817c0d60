//===- learning/networks/Heads.h - What the embedding is read as -*- C++
//-*-===//
//
// Each head is Linear(D, H) - ReLU - Linear(H, out) over a state embedding:
// a policy's logits, a state value, or one Q-value per action.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_NETWORKS_HEADS_H
#define PASSGYM_LEARNING_NETWORKS_HEADS_H

#include <torch/torch.h>

#include <cstdint>

namespace passgym::learning {

/// Two-layer MLP InputSize -> HiddenSize -> OutputSize with a ReLU between;
/// the shared shape of every head.
class HeadImpl : public torch::nn::Module {
public:
  HeadImpl(int64_t InputSize, int64_t HiddenSize, int64_t OutputSize) {
    Hidden =
        register_module("hidden", torch::nn::Linear(InputSize, HiddenSize));
    Output =
        register_module("output", torch::nn::Linear(HiddenSize, OutputSize));
  }
  torch::Tensor forward(const torch::Tensor &X) {
    return Output(torch::relu(Hidden(X)));
  }

  torch::nn::Linear Hidden{nullptr};
  torch::nn::Linear Output{nullptr};
};

/// Action logits [B, NumActions]: a categorical policy.
class PolicyHeadImpl : public HeadImpl {
public:
  PolicyHeadImpl(int64_t InputSize, int64_t HiddenSize, int64_t NumActions)
      : HeadImpl(InputSize, HiddenSize, NumActions) {}
};
TORCH_MODULE(PolicyHead);

/// State value [B] (PPO's critic).
class ValueHeadImpl : public HeadImpl {
public:
  ValueHeadImpl(int64_t InputSize, int64_t HiddenSize)
      : HeadImpl(InputSize, HiddenSize, 1) {}
  torch::Tensor forward(const torch::Tensor &X) {
    return HeadImpl::forward(X).squeeze(-1);
  }
};
TORCH_MODULE(ValueHead);

/// One Q-value per action [B, NumActions] (discrete SAC's critics).
class QHeadImpl : public HeadImpl {
public:
  QHeadImpl(int64_t InputSize, int64_t HiddenSize, int64_t NumActions)
      : HeadImpl(InputSize, HiddenSize, NumActions) {}
};
TORCH_MODULE(QHead);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_NETWORKS_HEADS_H
