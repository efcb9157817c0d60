//===- learning/algorithms/CheckpointContents.h - A trained agent -*- C++
//-*-===//
//
// Everything needed to resume training or run an agent, as one value: what a
// trainer hands over to be saved, and what loading a checkpoint gives back
// (learning/training/Checkpoint.h writes and reads it).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_CHECKPOINTCONTENTS_H
#define PASSGYM_LEARNING_ALGORITHMS_CHECKPOINTCONTENTS_H

#include "actions/ActionSpace.h"
#include "learning/algorithms/Agent.h"
#include "learning/algorithms/RunSchedule.h"
#include "learning/inputs/AutophaseNormalizer.h"
#include "learning/inputs/Vocabulary.h"
#include "learning/networks/Networks.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace passgym::learning {

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
inline ActionSpaceIdentity identityOf(const ActionSpace &Space) {
  ActionSpaceIdentity Identity{Space.name(), {}};
  for (size_t I = 0; I < Space.size(); ++I)
    Identity.Pipelines.push_back(Space[I].Pipeline);
  return Identity;
}

/// Where training stopped, so that it can resume there.
struct CheckpointCounters {
  int64_t GlobalStep = 0; ///< Environment steps taken.
  int64_t Iteration = 0;  ///< Completed training iterations.

  bool operator==(const CheckpointCounters &O) const {
    return GlobalStep == O.GlobalStep && Iteration == O.Iteration;
  }
};

struct CheckpointContents {
  /// How it was trained: what a resumed run must match and what evaluation
  /// replays. Never Agent::Random, which has nothing to save.
  Agent Algorithm = Agent::Ppo;
  std::string RewardSpace = "IrInstructionCountOz";
  int64_t EpisodeLength = 30;
  /// The standard pipeline its episodes started from (RunSchedule::StartFrom;
  /// O0: none).
  Baseline StartFrom = Baseline::O0;
  /// The policy evaluation runs (PPO's actor shares its encoder with the
  /// value head, which is in TrainerState). Its options say how every
  /// network of the agent is built.
  Actor Policy{nullptr};
  /// Whatever else the trainer needs to resume (PPO: value head and Adam;
  /// SAC: critics, target critics, temperature, optimizers), as a torch
  /// archive's bytes (archiveBytes); empty for none.
  std::string TrainerState;
  Vocabulary Vocab;
  /// Required iff the policy's state has Autophase features.
  std::optional<AutophaseNormalizer> Normalizer;
  ActionSpaceIdentity ActionSpace;
  CheckpointCounters Counters;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_CHECKPOINTCONTENTS_H
