//===- learning/training/Training.h - What `passgym train` does -*- C++ -*-===//
//
// One training run from names to files: expands the dataset, builds (or
// loads) the vocabulary and the Autophase normalizer, trains PPO, SAC or the
// uniformly random baseline,
// appends one metrics row per iteration to a CSV or JSONL file, and saves an
// atomic checkpoint every few iterations and at the end; --resume continues
// from that checkpoint. No torch in this header, so the command line that
// uses it compiles fast. docs/learning.md ("Training") describes the run
// directory.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TRAINING_TRAINING_H
#define PASSGYM_LEARNING_TRAINING_TRAINING_H

#include "learning/algorithms/Agent.h"
#include "learning/algorithms/RunSchedule.h"
#include "learning/networks/NetworkOptions.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace passgym::learning {

/// What the command line sets; everything else is the agent's options
/// struct's default (PpoOptions, SacOptions).
struct TrainRunOptions {
  /// The random baseline takes uniform actions, learns nothing and saves no
  /// checkpoint, on the same episodes and with the same metrics.
  learning::Agent Agent = learning::Agent::Ppo;
  /// Dataset specs (datasets/DatasetSpec.h).
  std::vector<std::string> Datasets = {"builtin-v0:train"};
  /// "instcount", "codesize" or "runtime".
  std::string Reward = "instcount";
  /// Seed, total steps, episode length, steps per iteration.
  RunSchedule Schedule;
  /// The state the networks see, the encoder and the network's shape; the
  /// sizes are set from the vocabulary and the actions. A resumed run takes
  /// the checkpoint's, but must ask for the same state.
  NetworkOptions Network;
  /// Learning rate (PPO: Adam's; SAC: actor's and critics'); unset: the
  /// agent's default.
  std::optional<double> LearningRate;
  /// Action space file; empty for the built-in space.
  std::string ActionsFile;
  /// A vocabulary to use (and, on resume, to require) instead of one built
  /// from the dataset.
  std::string VocabularyFile;
  /// The run directory: checkpoint/, metrics.csv (or .jsonl), vocabulary.json.
  std::string OutputDirectory;
  bool Jsonl = false;
  bool Resume = false;
  /// Save a checkpoint every this many iterations (and always at the end).
  int64_t CheckpointEvery = 5;
  /// Runtime reward: pin measured runs to this CPU.
  std::optional<unsigned> Cpu;
};

struct TrainProgress {
  int64_t Iteration = 0; ///< Completed, resumed ones included.
  int64_t Iterations = 0;
  int64_t GlobalStep = 0;
  double MeanEpisodeReturn = 0; ///< Of the last iteration; NaN if none ended.
};

struct TrainSummary {
  std::string RewardSpace;
  size_t Benchmarks = 0;
  size_t VocabularySize = 0;
  int64_t FirstIteration = 0; ///< 0, or where a resumed run started.
  int64_t Iterations = 0;
  int64_t GlobalStep = 0;
  /// Mean episode return of the first and last iteration of this process
  /// (NaN when no episode ended in it).
  double FirstReturn = 0;
  double LastReturn = 0;
  double Seconds = 0;
  std::string CheckpointPath; ///< Empty for the random baseline.
  std::string MetricsPath;
};

/// The reward space a --reward name stands for: instcount ->
/// IrInstructionCountOz, codesize -> ObjectTextSizeBytesOz, runtime ->
/// RuntimeO3.
llvm::Expected<std::string> rewardSpaceFor(const std::string &Reward);

llvm::Expected<TrainSummary>
runTraining(const TrainRunOptions &Options,
            const std::function<void(const TrainProgress &)> &Progress = {});

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TRAINING_TRAINING_H
