//===- learning/networks/NetworkOptions.h - Shapes of the networks -*- C++
//-*-===//
//
// How every network of an agent is built: which state it sees, which graph
// encoder, how wide and deep. A checkpoint records these options, and loading
// rebuilds the networks from them. No torch here, so the command line can
// fill them in.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_NETWORKS_NETWORKOPTIONS_H
#define PASSGYM_LEARNING_NETWORKS_NETWORKOPTIONS_H

#include "learning/inputs/State.h"
#include "learning/support/NameTable.h"

#include "observations/Features.h"

#include <cstdint>

namespace passgym::learning {

enum class EncoderKind { Gine, Ggnn };

inline constexpr NameTable<EncoderKind, 2> kEncoderNames{{
    {EncoderKind::Gine, "gine"},
    {EncoderKind::Ggnn, "ggnn"},
}};

/// How node states become one vector per graph.
enum class Pooling { Mean, Sum, MeanAndSum };

inline constexpr NameTable<Pooling, 3> kPoolingNames{{
    {Pooling::Mean, "mean"},
    {Pooling::Sum, "sum"},
    {Pooling::MeanAndSum, "mean-and-sum"},
}};

struct NetworkOptions {
  /// What the network sees: the graph (through Encoder), the normalized
  /// Autophase vector (through a two-layer MLP), or both, concatenated.
  StateKind State = StateKind::Graph;
  EncoderKind Encoder = EncoderKind::Gine;
  /// Vocabulary::size() of the vocabulary the batches are made with.
  int64_t VocabularySize = 1;
  /// Width of node states, graph embedding, Autophase embedding and heads.
  int64_t HiddenSize = 64;
  /// GINE layers or GGNN steps.
  int64_t Layers = 4;
  /// Rows of the position embeddings; must match BatchOptions::MaxPosition.
  int64_t MaxPosition = kDefaultMaxPosition;
  /// GINE read-out pooling (GGNN always mean-pools).
  Pooling ReadoutPooling = Pooling::Mean;
  int64_t AutophaseWidth = static_cast<int64_t>(kAutophaseFeatureCount);
  /// Size of the action space (required).
  int64_t NumActions = 1;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_NETWORKS_NETWORKOPTIONS_H
