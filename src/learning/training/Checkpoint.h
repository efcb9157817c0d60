//===- learning/Checkpoint.h - Saving and restoring an agent ----*- C++ -*-===//
//
// A checkpoint is everything needed to resume training or run an agent: the
// network's parameters, the Adam state, the options the network was built
// with, the vocabulary and normalizer its inputs depend on, the action space
// its outputs index, and the training counters. It is one directory with a
// manifest that records a BLAKE3 hash of every payload, so a corrupted or
// half-copied checkpoint is refused rather than silently loaded, and it is
// replaced atomically, so a crash while saving never destroys the previous
// one. docs/learning.md ("Checkpoints") describes the layout.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_CHECKPOINT_H
#define PASSGYM_LEARNING_CHECKPOINT_H

#include "actions/ActionSpace.h"
#include "learning/inputs/AutophaseNormalizer.h"
#include "learning/networks/Encoders.h"
#include "learning/inputs/Vocabulary.h"

#include "llvm/Support/Error.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace passgym::learning {

/// Written to and checked in the manifest; bump it when the layout changes.
inline constexpr int kCheckpointFormatVersion = 1;

/// Which actions the policy's logits stand for: logit i is Pipelines[i].
/// A network trained on one action space means nothing on another, even of
/// the same size.
struct ActionSpaceIdentity {
  std::string Name;
  std::vector<std::string> Pipelines;

  bool operator==(const ActionSpaceIdentity &O) const {
    return Name == O.Name && Pipelines == O.Pipelines;
  }
};

/// The identity of \p Space as a checkpoint records it.
ActionSpaceIdentity identityOf(const ActionSpace &Space);

/// Where training stopped, so that it can resume there.
struct CheckpointCounters {
  int64_t GlobalStep = 0; ///< Environment steps taken.
  int64_t Iteration = 0;  ///< Completed training iterations.

  bool operator==(const CheckpointCounters &O) const {
    return GlobalStep == O.GlobalStep && Iteration == O.Iteration;
  }
};

/// How the agent was trained: what a resumed run must match and what
/// evaluation replays.
struct TrainingInfo {
  std::string Algorithm = "ppo"; ///< "ppo" or "sac".
  std::string RewardSpace = "IrInstructionCountOz";
  int64_t EpisodeLength = 50;

  bool operator==(const TrainingInfo &O) const {
    return Algorithm == O.Algorithm && RewardSpace == O.RewardSpace &&
           EpisodeLength == O.EpisodeLength;
  }
};

/// What saveCheckpoint writes. The network's Options are saved with it.
struct CheckpointContents {
  AgentNetwork Network{nullptr}; ///< Required.
  /// Optional; must have one parameter group holding Network->parameters()
  /// in that order (as PpoTrainer builds it), since its state is restored
  /// by position onto the loaded network's parameters.
  const torch::optim::Adam *Optimizer = nullptr;
  Vocabulary Vocab;
  std::optional<AutophaseNormalizer> Normalizer;
  ActionSpaceIdentity ActionSpace;
  CheckpointCounters Counters;
  TrainingInfo Training;
  /// Whatever else the trainer needs to resume (SAC: critics, target
  /// critics, temperature and their optimizers), as a torch archive's bytes
  /// (archiveBytes); empty for none.
  std::string TrainerState;
};

/// What the caller will use the checkpoint with; each one given is checked.
struct CheckpointExpectations {
  std::optional<ActionSpaceIdentity> ActionSpace;
  std::optional<Vocabulary> Vocab;
};

/// A restored checkpoint: a fresh network with the saved parameters, and an
/// Adam over its parameters with the saved options and state.
struct LoadedCheckpoint {
  AgentNetwork Network{nullptr};
  std::unique_ptr<torch::optim::Adam> Optimizer; ///< Null if none was saved.
  Vocabulary Vocab;
  std::optional<AutophaseNormalizer> Normalizer;
  ActionSpaceIdentity ActionSpace;
  CheckpointCounters Counters;
  TrainingInfo Training;
  /// Verified bytes of the trainer state; empty if none was saved.
  std::string TrainerState;
};

/// The serialized bytes of an archive filled by \p Fill.
std::string archiveBytes(
    const std::function<void(torch::serialize::OutputArchive &)> &Fill);

/// Loads \p Bytes (from archiveBytes) into \p Archive; throws c10::Error on
/// malformed bytes.
void loadArchive(const std::string &Bytes,
                 torch::serialize::InputArchive &Archive);

/// Writes the checkpoint directory \p Path. Everything is built in a
/// temporary sibling directory first; an existing checkpoint at \p Path is
/// renamed aside, the new one renamed in, and only then the old one
/// deleted, so a failure at any point leaves the old checkpoint in place
/// (at \p Path, or after a crash between the two renames at
/// \p Path.old-XXXXXX). Refuses to replace anything at \p Path that is not a
/// checkpoint directory.
llvm::Error saveCheckpoint(const std::string &Path,
                           const CheckpointContents &Contents);

/// Reads the checkpoint directory \p Path, verifying every payload's hash
/// before use, and checks it against \p Expected.
llvm::Expected<LoadedCheckpoint>
loadCheckpoint(const std::string &Path,
               const CheckpointExpectations &Expected = {});

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_CHECKPOINT_H
