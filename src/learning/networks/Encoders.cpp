//===- learning/networks/Encoders.cpp - States to embeddings --------------===//
#include "learning/networks/Encoders.h"

#include <string>

namespace passgym::learning {

DirectedEdges withBackwardEdges(const GraphBatch &Batch) {
  torch::Tensor Sources = Batch.EdgeIndex[0];
  torch::Tensor Targets = Batch.EdgeIndex[1];
  DirectedEdges Edges;
  Edges.Source = torch::cat({Sources, Targets});
  Edges.Target = torch::cat({Targets, Sources});
  Edges.Type = torch::cat({Batch.EdgeFlow, Batch.EdgeFlow + kEdgeFlowCount});
  Edges.Position = torch::cat({Batch.EdgePosition, Batch.EdgePosition});
  return Edges;
}

torch::Tensor poolGraphs(const torch::Tensor &Nodes,
                         const torch::Tensor &NodeGraph, int64_t NumGraphs,
                         Pooling How) {
  torch::Tensor Sums = torch::zeros({NumGraphs, Nodes.size(1)}, Nodes.options())
                           .index_add(0, NodeGraph, Nodes);
  if (How == Pooling::Sum)
    return Sums;
  torch::Tensor Counts =
      torch::zeros({NumGraphs}, Nodes.options())
          .index_add(0, NodeGraph,
                     torch::ones({Nodes.size(0)}, Nodes.options()))
          .clamp_min(1);
  torch::Tensor Means = Sums / Counts.unsqueeze(1);
  if (How == Pooling::Mean)
    return Means;
  return torch::cat({Means, Sums}, 1);
}

//===----------------------------------------------------------------------===//
// Node embedding
//===----------------------------------------------------------------------===//

NodeEmbeddingImpl::NodeEmbeddingImpl(int64_t VocabularySize,
                                     int64_t HiddenSize) {
  Text =
      register_module("text", torch::nn::Embedding(VocabularySize, HiddenSize));
  Type =
      register_module("type", torch::nn::Embedding(kNodeTypeCount, HiddenSize));
}

torch::Tensor NodeEmbeddingImpl::forward(const GraphBatch &Batch) {
  return Text(Batch.NodeIds) + Type(Batch.NodeTypes);
}

//===----------------------------------------------------------------------===//
// GINE
//===----------------------------------------------------------------------===//

GineLayerImpl::GineLayerImpl(int64_t HiddenSize) {
  Eps = register_parameter("eps", torch::zeros({1}));
  Linear1 =
      register_module("linear1", torch::nn::Linear(HiddenSize, HiddenSize));
  Linear2 =
      register_module("linear2", torch::nn::Linear(HiddenSize, HiddenSize));
}

torch::Tensor GineLayerImpl::forward(const torch::Tensor &H,
                                     const DirectedEdges &Edges,
                                     const torch::Tensor &EdgeEmbeddings) {
  torch::Tensor Messages =
      torch::relu(H.index_select(0, Edges.Source) + EdgeEmbeddings);
  torch::Tensor Sums =
      torch::zeros_like(H).index_add(0, Edges.Target, Messages);
  torch::Tensor Z = (1 + Eps) * H + Sums;
  // The outer ReLU keeps stacked layers from composing two linear maps
  // back to back (Linear2 of one layer, Linear1 of the next).
  return torch::relu(Linear2(torch::relu(Linear1(Z))));
}

GineNetworkImpl::GineNetworkImpl(const EncoderOptions &Options)
    : Options(Options) {
  int64_t H = Options.HiddenSize;
  Embedding =
      register_module("embedding", NodeEmbedding(Options.VocabularySize, H));
  FlowEmbedding = register_module("flow_embedding",
                                  torch::nn::Embedding(kEdgeTypeCount, H));
  PositionEmbedding = register_module(
      "position_embedding", torch::nn::Embedding(Options.MaxPosition, H));
  int64_t PoolWidth = Options.ReadoutPooling == Pooling::MeanAndSum ? 2 * H : H;
  for (int64_t L = 0; L <= Options.Layers; ++L) {
    if (L > 0)
      Layers.push_back(
          register_module("layer" + std::to_string(L - 1), GineLayer(H)));
    Readouts.push_back(register_module("readout" + std::to_string(L),
                                       torch::nn::Linear(PoolWidth, H)));
  }
}

GraphEncoding GineNetworkImpl::forward(const GraphBatch &Batch) {
  DirectedEdges Edges = withBackwardEdges(Batch);
  torch::Tensor EdgeEmbeddings =
      FlowEmbedding(Edges.Type) + PositionEmbedding(Edges.Position);
  torch::Tensor H = Embedding(Batch);
  // Jumping knowledge: every depth contributes to the read-out, so shallow
  // features (which opcodes occur) are not washed out by deep ones.
  torch::Tensor Graphs = Readouts[0](
      poolGraphs(H, Batch.NodeGraph, Batch.NumGraphs, Options.ReadoutPooling));
  for (size_t L = 0; L < Layers.size(); ++L) {
    H = Layers[L](H, Edges, EdgeEmbeddings);
    Graphs =
        Graphs + Readouts[L + 1](poolGraphs(H, Batch.NodeGraph, Batch.NumGraphs,
                                            Options.ReadoutPooling));
  }
  return {H, Graphs};
}

//===----------------------------------------------------------------------===//
// GGNN
//===----------------------------------------------------------------------===//

GgnnNetworkImpl::GgnnNetworkImpl(const EncoderOptions &Options)
    : Options(Options) {
  int64_t H = Options.HiddenSize;
  Embedding =
      register_module("embedding", NodeEmbedding(Options.VocabularySize, H));
  Messages =
      register_module("messages", torch::nn::Linear(H, kEdgeTypeCount * H));
  PositionGate = register_module("position_gate",
                                 torch::nn::Embedding(Options.MaxPosition, H));
  Update = register_module("update",
                           torch::nn::GRUCell(torch::nn::GRUCellOptions(H, H)));
}

torch::Tensor GgnnNetworkImpl::aggregate(const torch::Tensor &H,
                                         const DirectedEdges &Edges) {
  int64_t N = H.size(0), Width = H.size(1);
  // Transforming every node by all edge types at once ([N, T*H]) and picking
  // row (source, type) costs N*T*H memory, where gathering a weight matrix per
  // edge would cost E*H*H.
  torch::Tensor AllMessages = Messages(H).view({N * kEdgeTypeCount, Width});
  torch::Tensor Rows = Edges.Source * kEdgeTypeCount + Edges.Type;
  torch::Tensor EdgeMessages = AllMessages.index_select(0, Rows) *
                               torch::sigmoid(PositionGate(Edges.Position));
  torch::Tensor Sums =
      torch::zeros_like(H).index_add(0, Edges.Target, EdgeMessages);
  torch::Tensor InDegrees =
      torch::zeros({N}, H.options())
          .index_add(0, Edges.Target,
                     torch::ones({Edges.Target.size(0)}, H.options()))
          .clamp_min(1);
  return Sums / InDegrees.unsqueeze(1);
}

GraphEncoding GgnnNetworkImpl::forward(const GraphBatch &Batch) {
  DirectedEdges Edges = withBackwardEdges(Batch);
  torch::Tensor H = Embedding(Batch);
  for (int64_t Step = 0; Step < Options.Layers; ++Step)
    H = Update(aggregate(H, Edges), H);
  return {H, poolGraphs(H, Batch.NodeGraph, Batch.NumGraphs, Pooling::Mean)};
}

//===----------------------------------------------------------------------===//
// State encoder
//===----------------------------------------------------------------------===//

StateEncoderImpl::StateEncoderImpl(const NetworkOptions &Options)
    : Options(Options) {
  int64_t H = Options.HiddenSize;
  if (hasGraph(Options.State)) {
    EncoderOptions Graph;
    Graph.VocabularySize = Options.VocabularySize;
    Graph.HiddenSize = H;
    Graph.Layers = Options.Layers;
    Graph.MaxPosition = Options.MaxPosition;
    Graph.ReadoutPooling = Options.ReadoutPooling;
    if (Options.Encoder == EncoderKind::Gine)
      Gine = register_module("gine", GineNetwork(Graph));
    else
      Ggnn = register_module("ggnn", GgnnNetwork(Graph));
  }
  if (hasAutophase(Options.State))
    Autophase = register_module(
        "autophase",
        torch::nn::Sequential(torch::nn::Linear(Options.AutophaseWidth, H),
                              torch::nn::ReLU(), torch::nn::Linear(H, H),
                              torch::nn::ReLU()));
}

int64_t StateEncoderImpl::width() const {
  return Options.State == StateKind::GraphAndAutophase ? 2 * Options.HiddenSize
                                                       : Options.HiddenSize;
}

torch::Tensor StateEncoderImpl::forward(const StateBatch &States) {
  std::vector<torch::Tensor> Parts;
  if (Gine)
    Parts.push_back(Gine(States.Graph).Graphs);
  if (Ggnn)
    Parts.push_back(Ggnn(States.Graph).Graphs);
  if (Autophase) {
    TORCH_CHECK(States.Autophase.defined() && States.Autophase.dim() == 2 &&
                    States.Autophase.size(0) == States.NumStates &&
                    States.Autophase.size(1) == Options.AutophaseWidth,
                "a state encoder over Autophase needs a [B, ",
                Options.AutophaseWidth, "] Autophase tensor");
    Parts.push_back(Autophase->forward(States.Autophase));
  }
  return Parts.size() == 1 ? Parts[0] : torch::cat(Parts, 1);
}

} // namespace passgym::learning
