//===- learning/inputs/StateBatch.cpp - States as tensors -----------------===//
#include "learning/inputs/StateBatch.h"

#include <cassert>

namespace passgym::learning {

torch::Tensor
autophaseTensor(const AutophaseNormalizer &Normalizer,
                const std::vector<std::vector<int64_t>> &Vectors) {
  int64_t Width = static_cast<int64_t>(Normalizer.width());
  torch::Tensor Result =
      torch::empty({static_cast<int64_t>(Vectors.size()), Width});
  auto Rows = Result.accessor<float, 2>();
  for (size_t I = 0; I < Vectors.size(); ++I) {
    std::vector<float> Row = Normalizer.normalize(Vectors[I]);
    for (int64_t J = 0; J < Width; ++J)
      Rows[I][J] = Row[J];
  }
  return Result;
}

StateBatch encodeStates(const std::vector<const Observation *> &Observations,
                        const StateEncoding &Encoding) {
  StateBatch S;
  S.NumStates = static_cast<int64_t>(Observations.size());
  if (hasGraph(Encoding.Kind)) {
    std::vector<const graph::ProgramGraph *> Graphs;
    for (const Observation *O : Observations) {
      assert(O->Graph && "the state kind needs the graph");
      Graphs.push_back(&*O->Graph);
    }
    S.Graph = makeBatch(Graphs, Encoding.Vocab, Encoding.Batching);
  }
  if (hasAutophase(Encoding.Kind)) {
    assert(Encoding.Normalizer && "the state kind needs a normalizer");
    std::vector<std::vector<int64_t>> Vectors;
    for (const Observation *O : Observations)
      Vectors.push_back(O->Autophase);
    S.Autophase = autophaseTensor(*Encoding.Normalizer, Vectors);
  }
  return S;
}

StateBatch concatStates(const std::vector<const StateBatch *> &Parts) {
  StateBatch S;
  std::vector<const GraphBatch *> Graphs;
  std::vector<torch::Tensor> Autophase;
  for (const StateBatch *P : Parts) {
    S.NumStates += P->NumStates;
    if (P->Graph.NodeIds.defined())
      Graphs.push_back(&P->Graph);
    if (P->Autophase.defined())
      Autophase.push_back(P->Autophase);
  }
  if (!Graphs.empty())
    S.Graph = concatBatches(Graphs);
  if (!Autophase.empty())
    S.Autophase = torch::cat(Autophase);
  return S;
}

std::shared_ptr<const StateBatch>
CachedState::get(const Observation &O, uint64_t ObservationVersion,
                 const StateEncoding &Encoding) {
  if (!Batch || Version != ObservationVersion) {
    Batch = std::make_shared<const StateBatch>(encodeStates({&O}, Encoding));
    Version = ObservationVersion;
  }
  return Batch;
}

} // namespace passgym::learning
