//===- learning/GraphBatch.h - Program graphs as tensors --------*- C++ -*-===//
//
// A batch of ProGraML graphs as one disjoint graph: the node and edge tensors
// of every graph concatenated, node indices offset so that edges keep pointing
// at their own graph's nodes, and a per-node graph index for the read-out.
// Only the graph's own (forward) edges are stored; the models add the reversed
// edges themselves, so the batch stays a faithful copy of the graphs.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_GRAPHBATCH_H
#define PASSGYM_LEARNING_GRAPHBATCH_H

#include "graph/ProgramGraph.h"
#include "learning/inputs/AutophaseNormalizer.h"
#include "learning/inputs/Vocabulary.h"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace passgym::learning {

/// Number of node types and edge flows of ProGraML (graph::NodeType,
/// graph::EdgeFlow).
inline constexpr int64_t kNodeTypeCount = 4;
inline constexpr int64_t kEdgeFlowCount = 4;
/// Rows of the position embeddings: positions at or above it share the last
/// row. 32 covers the operands of nearly every instruction and the successors
/// of nearly every switch.
inline constexpr int64_t kDefaultMaxPosition = 32;

struct BatchOptions {
  /// Edge positions are clamped to [0, MaxPosition - 1]; must match the
  /// model's MaxPosition.
  int64_t MaxPosition = kDefaultMaxPosition;
};

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

/// [B, width] float tensor of the normalized feature vectors, one row per
/// program, in batch order.
/// A graph that changes now and then (an episode's observation), encoded
/// once per version: every step that keeps the state (a pass that changed
/// nothing) shares one set of tensors, and so do the transitions that store
/// it.
class CachedBatch {
public:
  /// The encoding of \p G, which is \p Version of the observation.
  std::shared_ptr<const GraphBatch> get(const graph::ProgramGraph &G,
                                        uint64_t Version,
                                        const Vocabulary &Vocab,
                                        const BatchOptions &Options);

private:
  std::shared_ptr<const GraphBatch> Batch;
  uint64_t Version = 0;
};

/// The batches \p Parts concatenated into one: what makeBatch would give for
/// all their graphs, in order. Lets a replay buffer encode each graph once.
GraphBatch concatBatches(const std::vector<const GraphBatch *> &Parts);

torch::Tensor autophaseTensor(const AutophaseNormalizer &Normalizer,
                              const std::vector<std::vector<int64_t>> &Vectors);

} // namespace passgym::learning

#endif
