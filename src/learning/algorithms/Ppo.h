//===- learning/Ppo.h - PPO training loop -----------------------*- C++ -*-===//
//
// Proximal policy optimization (Schulman et al., 2017) of an AgentNetwork on
// the phase-ordering environment, structured like CleanRL's ppo.py: collect a
// rollout with the current policy, compute GAE advantages, then run a few
// epochs of minibatch updates with ppoLosses (learning/Losses.h). One
// environment, CPU only, no threads. docs/learning.md ("PPO") describes it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_PPO_H
#define PASSGYM_LEARNING_PPO_H

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "learning/training/Checkpoint.h"
#include "learning/algorithms/Episodes.h"
#include "learning/inputs/GraphBatch.h"
#include "learning/algorithms/Losses.h"
#include "learning/networks/Encoders.h"
#include "learning/inputs/Vocabulary.h"

#include "llvm/Support/Error.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace passgym::learning {

/// PpoOptions with passgym's discount: episodes are short (tens of passes).
inline PpoOptions defaultPpoLossOptions() {
  PpoOptions O;
  O.Gamma = 0.98;
  O.GaeLambda = 0.95;
  return O;
}

/// Everything the training loop needs besides the benchmarks, the
/// environment options and the vocabulary.
struct PpoTrainOptions {
  /// Seeds torch (network initialization, action sampling, minibatch
  /// shuffles) and the benchmark choice.
  uint64_t Seed = 1;
  /// Environment steps in total; the loop runs TotalSteps / RolloutSteps
  /// iterations (at least one).
  int64_t TotalSteps = 100000;
  /// An episode is truncated after this many steps. Truncation is not
  /// termination: GAE bootstraps from the value of the final observation.
  int64_t EpisodeLength = 50;
  /// Environment steps collected per iteration (CleanRL's num_steps with one
  /// environment). Episodes carry over from one rollout to the next.
  int64_t RolloutSteps = 512;
  /// Steps per gradient update; the rollout is shuffled once per epoch.
  int64_t MinibatchSize = 64;
  /// Passes over each rollout.
  int64_t UpdateEpochs = 4;
  /// Adam's learning rate (constant).
  double LearningRate = 5e-4;
  /// Gamma, GAE lambda, clipping, loss weights and MaxGradNorm.
  PpoOptions Ppo = defaultPpoLossOptions();
  /// Encoder and heads. VocabularySize and NumActions are overwritten with
  /// the vocabulary's and the action space's sizes.
  AgentNetworkOptions Network;
  /// Each episode starts on a benchmark drawn uniformly at random (seeded);
  /// otherwise the benchmarks are taken in turn.
  bool RandomBenchmarks = false;
};

/// What one iteration (rollout + update) did. Losses and diagnostics are
/// means over all minibatches of all epochs of the iteration.
struct PpoIterationMetrics {
  int64_t Iteration = 0; ///< 0-based.
  int64_t GlobalStep =
      0; ///< Environment steps so far, this rollout's included.
  /// Episodes that ended (terminated or truncated) during this rollout, and
  /// the mean of their undiscounted returns (NaN when none ended).
  int64_t Episodes = 0;
  double MeanEpisodeReturn = 0;
  double PolicyLoss = 0;
  double ValueLoss = 0;
  double Entropy = 0;
  double ApproxKl = 0;
  double ClipFraction = 0;
  /// 1 - Var(returns - values) / Var(returns) over the rollout (NaN when the
  /// returns are constant): how much of the return the critic explains.
  double ExplainedVariance = 0;
  /// Environment steps per second of wall time, update included (the only
  /// field that depends on the machine's speed).
  double StepsPerSecond = 0;

  /// Every field as (column name, value), for metrics files.
  std::vector<std::pair<std::string, double>> fields() const;
};

/// Owns one environment, the network and its Adam optimizer. Sampling and
/// shuffling draw from torch's global generator, which create() seeds: for
/// reproducible runs, train one trainer at a time in a process. The same
/// seed gives the same metrics (StepsPerSecond aside) on one machine.
class PpoTrainer {
public:
  /// Called after each iteration; an error stops training and is returned
  /// (a checkpoint that cannot be saved must not go unnoticed for hours).
  using Callback = std::function<llvm::Error(const PpoIterationMetrics &)>;

  /// Seeds torch and the benchmark choice, builds the network and the
  /// environment. Fails on an unknown reward space or no benchmarks.
  static llvm::Expected<std::unique_ptr<PpoTrainer>>
  create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
         Vocabulary Vocab, PpoTrainOptions Options = {});

  /// Runs every remaining iteration, calling \p OnIteration after each one,
  /// and returns their metrics. Fails when a benchmark cannot be loaded or a
  /// graph cannot be built; a pass that fails only ends its episode
  /// (terminated).
  llvm::Expected<std::vector<PpoIterationMetrics>>
  train(const Callback &OnIteration = {});

  /// Continues from \p Saved (a PPO checkpoint of the same network shape
  /// and action space): its parameters, Adam state and counters. The
  /// running episode is not saved, so training resumes with a fresh one.
  llvm::Error resume(LoadedCheckpoint Saved);
  /// Network, optimizer and counters to save (the caller adds the
  /// vocabulary, action space and training info).
  CheckpointContents checkpoint() const;

  AgentNetwork network() const { return Network; }
  const PpoTrainOptions &options() const { return Options; }
  int64_t iterations() const;

private:
  PpoTrainer(std::unique_ptr<EpisodeRunner> Episodes, Vocabulary Vocab,
             PpoTrainOptions Options);

  /// The transitions of one rollout, in time order.
  struct Rollout {
    std::vector<std::shared_ptr<const GraphBatch>> Observations;
    std::vector<int64_t> Actions;
    std::vector<float> LogProbs, Values, Rewards, NextValues;
    std::vector<float> Terminated, Truncated;
    std::vector<double> EpisodeReturns;
  };

  /// The encoded current observation, re-encoded only when it changed.
  std::shared_ptr<const GraphBatch> currentState();
  /// V(s) of one encoded observation, without gradient.
  float valueOf(const GraphBatch &State);
  llvm::Expected<Rollout> collectRollout();
  void update(const Rollout &R, const GaeResult &Gae,
              PpoIterationMetrics &Metrics);

  std::unique_ptr<EpisodeRunner> Episodes;
  Vocabulary Vocab;
  PpoTrainOptions Options;
  BatchOptions Batching;
  AgentNetwork Network{nullptr};
  std::unique_ptr<torch::optim::Adam> Optimizer;
  CachedBatch Current;
  CheckpointCounters Counters;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_PPO_H
