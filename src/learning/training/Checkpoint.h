//===- learning/training/Checkpoint.h - Saving and loading an agent -*- C++
//-*-===//
//
// A checkpoint is one directory holding a CheckpointContents
// (learning/algorithms/CheckpointContents.h): everything needed to resume
// training or run an agent. A manifest records a BLAKE3 hash of every
// payload, so a corrupted or half-copied checkpoint is refused rather than
// silently loaded, and the directory is replaced atomically, so a crash while
// saving never destroys the previous one. docs/learning.md ("Checkpoints")
// describes the layout.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TRAINING_CHECKPOINT_H
#define PASSGYM_LEARNING_TRAINING_CHECKPOINT_H

#include "learning/algorithms/CheckpointContents.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace passgym::learning {

/// Written to and checked in the manifest; bump it when the layout changes.
inline constexpr int kCheckpointFormatVersion = 2;

/// What the caller will use the checkpoint with; each one given is checked
/// before torch reads anything.
struct CheckpointExpectations {
  std::optional<ActionSpaceIdentity> ActionSpace;
  std::optional<Vocabulary> Vocab;
};

/// Writes the checkpoint directory \p Path. Everything is built in a
/// temporary sibling directory first; an existing checkpoint at \p Path is
/// renamed aside, the new one renamed in, and only then the old one
/// deleted, so a failure at any point leaves the old checkpoint in place
/// (at \p Path, or after a crash between the two renames at
/// \p Path.old-XXXXXX). Refuses to replace anything at \p Path that is not a
/// checkpoint directory, and contents that contradict themselves.
llvm::Error saveCheckpoint(const std::string &Path,
                           const CheckpointContents &Contents);

/// Reads the checkpoint directory \p Path: the manifest, every payload
/// verified against its hash, the expectations, then the policy network
/// rebuilt from its options with every stored tensor's shape checked.
/// TrainerState comes back as verified bytes for the trainer to load.
llvm::Expected<CheckpointContents>
loadCheckpoint(const std::string &Path,
               const CheckpointExpectations &Expected = {});

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TRAINING_CHECKPOINT_H
