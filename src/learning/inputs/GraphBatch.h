//===- learning/inputs/GraphBatch.h - Program graphs as tensors -*- C++ -*-===//
//
// A batch of ProGraML graphs as one disjoint graph: the node and edge tensors
// of every graph concatenated, node indices offset so that edges keep pointing
// at their own graph's nodes, and a per-node graph index for the read-out.
// Only the graph's own (forward) edges are stored; the models add the reversed
// edges themselves, so the batch stays a faithful copy of the graphs.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_INPUTS_GRAPHBATCH_H
#define PASSGYM_LEARNING_INPUTS_GRAPHBATCH_H

#include "graph/ProgramGraph.h"
#include "learning/inputs/State.h"
#include "learning/inputs/Vocabulary.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace passgym::learning {

/// All tensors are int64 (what embeddings and index_add take) on the CPU.
/// N is the total number of nodes, E of edges.
struct GraphBatch {
  torch::Tensor NodeIds;      ///< [N] vocabulary ids of the node texts.
  torch::Tensor NodeTypes;    ///< [N] graph::NodeType values.
  torch::Tensor EdgeIndex;    ///< [2, E] row 0 sources, row 1 targets.
  torch::Tensor EdgeFlow;     ///< [E] graph::EdgeFlow values.
  torch::Tensor EdgePosition; ///< [E] clamped positions.
  torch::Tensor NodeGraph;    ///< [N] index of each node's graph in the batch.
  int64_t NumGraphs = 0;

  int64_t numNodes() const { return NodeIds.size(0); }
  int64_t numEdges() const { return EdgeFlow.size(0); }
  GraphBatch to(torch::Device Device) const;
};

GraphBatch makeBatch(const std::vector<const graph::ProgramGraph *> &Graphs,
                     const Vocabulary &Vocab, const BatchOptions &Options = {});

/// The batches \p Parts concatenated into one: what makeBatch would give for
/// all their graphs, in order. Lets a replay buffer encode each graph once.
GraphBatch concatBatches(const std::vector<const GraphBatch *> &Parts);

} // namespace passgym::learning

#endif
