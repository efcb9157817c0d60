//===- learning/inputs/GraphBatch.cpp - Program graphs as tensors ---------===//
#include "learning/inputs/GraphBatch.h"

#include <algorithm>
#include <cassert>

namespace passgym::learning {

namespace {
torch::Tensor longTensor(const std::vector<int64_t> &Values) {
  // from_blob does not own the data: clone before the vector dies.
  return torch::from_blob(const_cast<int64_t *>(Values.data()),
                          {static_cast<int64_t>(Values.size())}, torch::kInt64)
      .clone();
}
} // namespace

GraphBatch GraphBatch::to(torch::Device Device) const {
  GraphBatch B;
  B.NodeIds = NodeIds.to(Device);
  B.NodeTypes = NodeTypes.to(Device);
  B.EdgeIndex = EdgeIndex.to(Device);
  B.EdgeFlow = EdgeFlow.to(Device);
  B.EdgePosition = EdgePosition.to(Device);
  B.NodeGraph = NodeGraph.to(Device);
  B.NumGraphs = NumGraphs;
  return B;
}

GraphBatch makeBatch(const std::vector<const graph::ProgramGraph *> &Graphs,
                     const Vocabulary &Vocab, const BatchOptions &Options) {
  assert(Options.MaxPosition > 0 && "need at least one position");
  size_t NodeCount = 0, EdgeCount = 0;
  for (const graph::ProgramGraph *G : Graphs) {
    NodeCount += G->Nodes.size();
    EdgeCount += G->Edges.size();
  }

  std::vector<int64_t> NodeIds, NodeTypes, NodeGraph, Sources, Targets, Flows,
      Positions;
  NodeIds.reserve(NodeCount);
  NodeTypes.reserve(NodeCount);
  NodeGraph.reserve(NodeCount);
  Sources.reserve(EdgeCount);
  Targets.reserve(EdgeCount);
  Flows.reserve(EdgeCount);
  Positions.reserve(EdgeCount);

  int64_t Offset = 0;
  for (size_t GraphIndex = 0; GraphIndex < Graphs.size(); ++GraphIndex) {
    const graph::ProgramGraph &G = *Graphs[GraphIndex];
    for (const graph::Node &N : G.Nodes) {
      NodeIds.push_back(Vocab.id(N.Text));
      NodeTypes.push_back(static_cast<int64_t>(N.Type));
      NodeGraph.push_back(static_cast<int64_t>(GraphIndex));
    }
    for (const graph::Edge &E : G.Edges) {
      Sources.push_back(Offset + E.Source);
      Targets.push_back(Offset + E.Target);
      Flows.push_back(static_cast<int64_t>(E.Flow));
      Positions.push_back(
          std::clamp<int64_t>(E.Position, 0, Options.MaxPosition - 1));
    }
    Offset += static_cast<int64_t>(G.Nodes.size());
  }

  GraphBatch B;
  B.NodeIds = longTensor(NodeIds);
  B.NodeTypes = longTensor(NodeTypes);
  B.NodeGraph = longTensor(NodeGraph);
  B.EdgeIndex = torch::stack({longTensor(Sources), longTensor(Targets)});
  B.EdgeFlow = longTensor(Flows);
  B.EdgePosition = longTensor(Positions);
  B.NumGraphs = static_cast<int64_t>(Graphs.size());
  return B;
}

GraphBatch concatBatches(const std::vector<const GraphBatch *> &Parts) {
  std::vector<torch::Tensor> NodeIds, NodeTypes, NodeGraph, EdgeIndex, EdgeFlow,
      EdgePosition;
  int64_t NodeOffset = 0, GraphOffset = 0;
  for (const GraphBatch *P : Parts) {
    NodeIds.push_back(P->NodeIds);
    NodeTypes.push_back(P->NodeTypes);
    NodeGraph.push_back(P->NodeGraph + GraphOffset);
    EdgeIndex.push_back(P->EdgeIndex + NodeOffset);
    EdgeFlow.push_back(P->EdgeFlow);
    EdgePosition.push_back(P->EdgePosition);
    NodeOffset += P->numNodes();
    GraphOffset += P->NumGraphs;
  }
  if (Parts.empty())
    return makeBatch({}, Vocabulary());
  GraphBatch B;
  B.NodeIds = torch::cat(NodeIds);
  B.NodeTypes = torch::cat(NodeTypes);
  B.NodeGraph = torch::cat(NodeGraph);
  B.EdgeIndex = torch::cat(EdgeIndex, 1);
  B.EdgeFlow = torch::cat(EdgeFlow);
  B.EdgePosition = torch::cat(EdgePosition);
  B.NumGraphs = GraphOffset;
  return B;
}

} // namespace passgym::learning
