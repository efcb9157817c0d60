//===- learning/networks/Encoders.h - States to embeddings ------*- C++ -*-===//
//
// Two graph encoders over a GraphBatch, and the state encoder every network
// starts with:
//   GineNetwork   GINE layers (Hu et al., ICLR 2020) with a jumping-knowledge
//                 read-out;
//   GgnnNetwork   ProGraML's gated graph network (Cummins et al., ICML 2021):
//                 typed messages gated by position, mean aggregation, GRU;
//   StateEncoder  the graph encoder, an MLP over the normalized Autophase
//                 vector, or both concatenated, as NetworkOptions::State says.
// Message passing uses Tensor::index_add (a scatter-sum over targets), so no
// extension library is needed. docs/learning.md gives the equations.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_NETWORKS_ENCODERS_H
#define PASSGYM_LEARNING_NETWORKS_ENCODERS_H

#include "learning/inputs/StateBatch.h"
#include "learning/networks/NetworkOptions.h"

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

/// The embedding of a batch of states that the heads read: the graph
/// encoder's read-out [B, H], the Autophase MLP's [B, H]
/// (Linear(56, H) - ReLU - Linear(H, H) - ReLU), or both concatenated
/// [B, 2H], graph first. Fused after the read-out, so the graph encoder is
/// unaware of Autophase.
class StateEncoderImpl : public torch::nn::Module {
public:
  explicit StateEncoderImpl(const NetworkOptions &Options);
  torch::Tensor forward(const StateBatch &States);
  /// Width of the embedding.
  int64_t width() const;

  NetworkOptions Options;
  GineNetwork Gine{nullptr};                ///< Set iff the state has graphs
  GgnnNetwork Ggnn{nullptr};                ///< and by Options.Encoder.
  torch::nn::Sequential Autophase{nullptr}; ///< Set iff it has Autophase.
};
TORCH_MODULE(StateEncoder);

} // namespace passgym::learning

#endif
