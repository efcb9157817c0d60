//===- learning/Training.h - What `passgym train` does ----------*- C++ -*-===//
//
// One training run from names to files: expands the dataset, builds (or
// loads) the vocabulary, trains PPO, SAC or the uniformly random baseline,
// appends one metrics row per iteration to a CSV or JSONL file, and saves an
// atomic checkpoint every few iterations and at the end; --resume continues
// from that checkpoint. No torch in this header, so the command line that
// uses it compiles fast. docs/learning.md ("Training") describes the run
// directory.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TRAINING_H
#define PASSGYM_LEARNING_TRAINING_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace passgym::learning {

struct TrainRunOptions {
  /// "ppo", "sac", or "random" (the baseline: uniform actions, no learning,
  /// same episodes and metrics).
  std::string Agent = "ppo";
  /// Dataset specs (datasets/DatasetSpec.h).
  std::vector<std::string> Datasets = {"builtin-v0:train"};
  /// "instcount", "codesize" or "runtime".
  std::string Reward = "instcount";
  int64_t Steps = 10000;
  int64_t EpisodeLength = 30;
  uint64_t Seed = 1;
  /// Steps per iteration: PPO's rollout, SAC's and random's metrics period.
  int64_t IterationSteps = 256;
  /// Learning rate (PPO: Adam's; SAC: actor's and critics').
  std::optional<double> LearningRate;
  std::string Encoder = "gine";
  int64_t HiddenSize = 64;
  int64_t Layers = 4;
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

#endif // PASSGYM_LEARNING_TRAINING_H
