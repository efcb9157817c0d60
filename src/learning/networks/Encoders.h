//===- learning/Models.h - Graph neural networks over ProGraML --*- C++ -*-===//
//
// Two graph encoders over a GraphBatch, and the heads an agent needs on top:
//   GineNetwork  GINE layers (Hu et al., ICLR 2020) with a jumping-knowledge
//                read-out;
//   GgnnNetwork  ProGraML's gated graph network (Cummins et al., ICML 2021):
//                typed messages gated by position, mean aggregation, GRU.
// Message passing uses Tensor::index_add (a scatter-sum over targets), so no
// extension library is needed. docs/learning.md gives the equations.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_MODELS_H
#define PASSGYM_LEARNING_MODELS_H

#include "learning/inputs/GraphBatch.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace passgym::learning {

/// Forward edges keep their flow (0..3); their reversed copies get flow + 4,
/// so a model can tell "my operand" from "my user".
inline constexpr int64_t kEdgeTypeCount = 2 * kEdgeFlowCount;

/// The batch's edges plus their reversed copies, forward edges first.
struct DirectedEdges {
  torch::Tensor Source;   ///< [2E]
  torch::Tensor Target;   ///< [2E]
  torch::Tensor Type;     ///< [2E] in [0, kEdgeTypeCount)
  torch::Tensor Position; ///< [2E] the original edge's position
};
DirectedEdges withBackwardEdges(const GraphBatch &Batch);

/// How node states become one vector per graph.
enum class Pooling { Mean, Sum, MeanAndSum };

/// [NumGraphs, H] (or [NumGraphs, 2H] for MeanAndSum, mean first) pooled
/// rows of \p Nodes [N, H] grouped by \p NodeGraph [N]. An empty graph pools
/// to zeros.
torch::Tensor poolGraphs(const torch::Tensor &Nodes,
                         const torch::Tensor &NodeGraph, int64_t NumGraphs,
                         Pooling How);

struct EncoderOptions {
  /// Rows of the node-text embedding: Vocabulary::size() (required).
  int64_t VocabularySize = 1;
  /// Width of node states and of the graph embedding.
  int64_t HiddenSize = 64;
  /// GINE: number of layers (each with its own weights). GGNN: number of
  /// propagation steps (sharing weights, as in GGNN).
  int64_t Layers = 4;
  /// Rows of the position embeddings; must match BatchOptions::MaxPosition.
  int64_t MaxPosition = kDefaultMaxPosition;
  /// GINE read-out pooling (GGNN always mean-pools).
  Pooling ReadoutPooling = Pooling::Mean;
};

/// What an encoder returns.
struct GraphEncoding {
  torch::Tensor Nodes;  ///< [N, H] node states after the last layer/step.
  torch::Tensor Graphs; ///< [B, H] one embedding per graph.
};

/// h0 = TextEmbedding[node id] + TypeEmbedding[node type]: the text says
/// which opcode or type, the type disambiguates texts shared across kinds.
class NodeEmbeddingImpl : public torch::nn::Module {
public:
  NodeEmbeddingImpl(int64_t VocabularySize, int64_t HiddenSize);
  torch::Tensor forward(const GraphBatch &Batch);

  torch::nn::Embedding Text{nullptr};
  torch::nn::Embedding Type{nullptr};
};
TORCH_MODULE(NodeEmbedding);

/// One GINE layer:
///   h_v' = ReLU(W2 ReLU(W1 z_v + b1) + b2),
///   z_v  = (1 + eps) h_v + sum_{(u,v)} ReLU(h_u + e_uv)
/// with eps a learned scalar starting at 0 (GIN-eps).
class GineLayerImpl : public torch::nn::Module {
public:
  explicit GineLayerImpl(int64_t HiddenSize);
  /// \p EdgeEmbeddings [2E, H] holds e_uv for each of \p Edges.
  torch::Tensor forward(const torch::Tensor &H, const DirectedEdges &Edges,
                        const torch::Tensor &EdgeEmbeddings);

  torch::Tensor Eps;
  torch::nn::Linear Linear1{nullptr};
  torch::nn::Linear Linear2{nullptr};
};
TORCH_MODULE(GineLayer);

/// Node embedding, Layers GINE layers sharing one edge embedding
/// e_uv = FlowEmbedding[type] + PositionEmbedding[position], and a
/// jumping-knowledge read-out: sum over l = 0..L of Readout_l(pool(h^l)).
class GineNetworkImpl : public torch::nn::Module {
public:
  explicit GineNetworkImpl(const EncoderOptions &Options);
  GraphEncoding forward(const GraphBatch &Batch);

  EncoderOptions Options;
  NodeEmbedding Embedding{nullptr};
  torch::nn::Embedding FlowEmbedding{nullptr};
  torch::nn::Embedding PositionEmbedding{nullptr};
  std::vector<GineLayer> Layers;
  /// One per layer, h^0 (the embeddings) included: Layers + 1 of them.
  std::vector<torch::nn::Linear> Readouts;
};
TORCH_MODULE(GineNetwork);

/// ProGraML's GGNN: T steps (Options.Layers) of
///   m_uv = sigmoid(PositionGate[pos_uv]) * (W_type h_u + b_type)
///   a_v  = sum_{(u,v)} m_uv / max(1, in-degree(v))
///   h_v' = GRUCell(a_v, h_v)
/// with weights shared across steps, then a mean-pool read-out.
class GgnnNetworkImpl : public torch::nn::Module {
public:
  explicit GgnnNetworkImpl(const EncoderOptions &Options);
  GraphEncoding forward(const GraphBatch &Batch);
  /// a_v for every node: the input of the GRU at one step.
  torch::Tensor aggregate(const torch::Tensor &H, const DirectedEdges &Edges);

  EncoderOptions Options;
  NodeEmbedding Embedding{nullptr};
  /// All kEdgeTypeCount message functions in one matrix: output columns
  /// [t*H, (t+1)*H) are W_t h + b_t.
  torch::nn::Linear Messages{nullptr};
  /// Pre-sigmoid gate per position, one value per hidden unit.
  torch::nn::Embedding PositionGate{nullptr};
  torch::nn::GRUCell Update{nullptr};
};
TORCH_MODULE(GgnnNetwork);

/// Two-layer MLP InputSize -> HiddenSize -> OutputSize with a ReLU between;
/// the shared shape of every head.
class HeadImpl : public torch::nn::Module {
public:
  HeadImpl(int64_t InputSize, int64_t HiddenSize, int64_t OutputSize);
  torch::Tensor forward(const torch::Tensor &X);

  torch::nn::Linear Hidden{nullptr};
  torch::nn::Linear Output{nullptr};
};

/// Action logits [B, NumActions] (a categorical policy, PPO's actor).
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

enum class EncoderKind { Gine, Ggnn };

/// "gine" or "ggnn": the encoder's name in checkpoints and on the command
/// line.
const char *encoderName(EncoderKind Kind);
/// The encoder called \p Name; the error lists the names.
llvm::Expected<EncoderKind> encoderFromName(llvm::StringRef Name);

struct AgentNetworkOptions {
  EncoderKind Encoder = EncoderKind::Gine;
  /// Vocabulary::size() of the vocabulary the batches are made with.
  int64_t VocabularySize = 1;
  int64_t HiddenSize = 64;
  /// GINE layers or GGNN steps.
  int64_t Layers = 4;
  int64_t MaxPosition = kDefaultMaxPosition;
  Pooling ReadoutPooling = Pooling::Mean;
  /// Concatenate an MLP embedding of the normalized Autophase vector to the
  /// graph embedding before the heads (off by default).
  bool AutophaseFusion = false;
  int64_t AutophaseWidth = 56;
  /// Size of the action space (required).
  int64_t NumActions = 1;
  /// The heads to build: each role builds only those it uses (PPO: policy
  /// and value; SAC's actor: policy; its critics: Q), so that no parameter
  /// goes without a gradient.
  bool PolicyHead = true;
  bool ValueHead = true;
  bool QHead = true;
};

struct AgentOutput {
  torch::Tensor Embedding; ///< [B, D] what the heads see (D = H, or 2H fused).
  torch::Tensor Logits;    ///< [B, NumActions]; undefined without PolicyHead.
  torch::Tensor Value;     ///< [B]; undefined without ValueHead.
  torch::Tensor Q;         ///< [B, NumActions]; undefined without QHead.
};

/// Encoder, optional Autophase fusion, and the heads the options ask for.
class AgentNetworkImpl : public torch::nn::Module {
public:
  explicit AgentNetworkImpl(const AgentNetworkOptions &Options);
  /// \p Autophase: [B, AutophaseWidth] normalized features
  /// (autophaseTensor()); required iff AutophaseFusion.
  AgentOutput forward(const GraphBatch &Batch,
                      const torch::Tensor &Autophase = {});

  AgentNetworkOptions Options;
  GineNetwork Gine{nullptr};             ///< Set iff Encoder == Gine.
  GgnnNetwork Ggnn{nullptr};             ///< Set iff Encoder == Ggnn.
  torch::nn::Sequential Fusion{nullptr}; ///< Set iff AutophaseFusion.
  PolicyHead Policy{nullptr}; ///< Set iff PolicyHead.
  ValueHead Value{nullptr};   ///< Set iff ValueHead.
  QHead Q{nullptr};           ///< Set iff QHead.
};
TORCH_MODULE(AgentNetwork);

} // namespace passgym::learning

#endif
