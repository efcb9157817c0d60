//===- learning/inputs/StateBatch.h - States as tensors ---------*- C++ -*-===//
//
// A batch of states as the networks take it: the graphs as one GraphBatch
// and the Autophase features as one [B, 56] tensor of normalized rows, each
// present iff the state kind has it. The encoding of an episode's current
// state is cached per version of the observation, so the steps that keep a
// state (a pass that changed nothing) and the transitions that store it
// share one set of tensors.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_INPUTS_STATEBATCH_H
#define PASSGYM_LEARNING_INPUTS_STATEBATCH_H

#include "learning/inputs/AutophaseNormalizer.h"
#include "learning/inputs/GraphBatch.h"
#include "learning/inputs/State.h"
#include "learning/inputs/Vocabulary.h"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace passgym::learning {

struct StateBatch {
  GraphBatch Graph;        ///< Empty (no tensors) unless the kind has graphs.
  torch::Tensor Autophase; ///< [B, width] float; undefined unless it has them.
  int64_t NumStates = 0;
};

/// What turns observations into a StateBatch. The normalizer is required iff
/// the kind has Autophase features; training fits it, checkpoints keep it.
struct StateEncoding {
  StateKind Kind = StateKind::Graph;
  Vocabulary Vocab;
  std::optional<AutophaseNormalizer> Normalizer;
  BatchOptions Batching;
};

/// [B, width] float tensor of the normalized feature vectors, one row per
/// program, in order.
torch::Tensor autophaseTensor(const AutophaseNormalizer &Normalizer,
                              const std::vector<std::vector<int64_t>> &Vectors);

/// The observations as one batch; each must hold what Encoding.Kind needs.
StateBatch encodeStates(const std::vector<const Observation *> &Observations,
                        const StateEncoding &Encoding);

/// The batches \p Parts concatenated: what encodeStates would give for all
/// their observations, in order.
StateBatch concatStates(const std::vector<const StateBatch *> &Parts);

/// An observation that changes now and then (an episode's), encoded once per
/// version.
class CachedState {
public:
  /// The encoding of \p O, which is \p Version of the observation.
  std::shared_ptr<const StateBatch> get(const Observation &O, uint64_t Version,
                                        const StateEncoding &Encoding);

private:
  std::shared_ptr<const StateBatch> Batch;
  uint64_t Version = 0;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_INPUTS_STATEBATCH_H
