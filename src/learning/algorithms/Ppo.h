//===- learning/algorithms/Ppo.h - PPO --------------------------*- C++ -*-===//
//
// Proximal policy optimization (Schulman et al., 2017) of an ActorCritic on
// the phase-ordering environment, structured like CleanRL's ppo.py: options,
// collect a rollout with the current policy, compute GAE advantages, then run
// a few epochs of minibatch updates with ppoLosses (Losses.h). CPU only;
// Run.Environments environments stepped together (CleanRL's num_envs), each
// on a thread of its own. docs/learning.md ("PPO") describes it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_PPO_H
#define PASSGYM_LEARNING_ALGORITHMS_PPO_H

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "learning/algorithms/CheckpointContents.h"
#include "learning/algorithms/Episodes.h"
#include "learning/algorithms/Losses.h"
#include "learning/inputs/StateBatch.h"
#include "learning/networks/Networks.h"

#include "llvm/Support/Error.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace passgym::learning {

/// Every PPO hyperparameter, with its default (CleanRL's ppo.py unless said).
struct PpoOptions {
  /// Seed, total steps, episode length, environments and rollout length
  /// (StepsPerIteration: CleanRL's batch_size, of all environments; each
  /// takes Run.stepsPerEnvironment(), CleanRL's num_steps).
  RunSchedule Run;
  /// The actor-critic: one state encoder shared by the policy and value
  /// heads. VocabularySize and NumActions are set from the vocabulary and
  /// the action space.
  NetworkOptions Network;

  /// Steps per gradient update; the rollout is shuffled once per epoch. A
  /// rollout shorter than this is one minibatch.
  int64_t MinibatchSize = 64;
  /// Passes over each rollout.
  int64_t UpdateEpochs = 4;
  /// Adam's learning rate (constant) and epsilon.
  double LearningRate = 5e-4;
  double AdamEps = 1e-5;
  /// Discount: lower than CleanRL's 0.99, episodes are tens of passes.
  double Gamma = 0.98;
  /// GAE's lambda.
  double GaeLambda = 0.95;
  /// epsilon of the clipped surrogate: the ratio is clipped to
  /// [1 - ClipCoef, 1 + ClipCoef].
  double ClipCoef = 0.2;
  /// Clip the value loss (PPO2 / CleanRL's clip_vloss): the new value may
  /// move at most ValueClipCoef away from the rollout's value.
  bool ClipValueLoss = true;
  double ValueClipCoef = 0.2;
  /// Weight of the entropy bonus (CleanRL uses 0.01; our action spaces are
  /// large and episodes short, so we start lower).
  double EntropyCoef = 0.001;
  /// Weight of the value loss in the total loss.
  double ValueCoef = 0.5;
  /// Normalize the advantages of each minibatch to mean 0, std 1 (sample
  /// std, plus 1e-8). Skipped for a single-element minibatch.
  bool NormalizeAdvantages = true;
  /// Global gradient-norm clip before each Adam step.
  double MaxGradNorm = 0.5;
};

/// What one iteration (rollout + update) did. Losses and diagnostics are
/// means over all minibatches of all epochs of the iteration.
struct PpoIterationMetrics {
  int64_t Iteration = 0;  ///< 0-based.
  int64_t GlobalStep = 0; ///< Environment steps so far, this rollout's too.
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

/// Owns the environments, the network and its Adam optimizer. Sampling and
/// shuffling draw from torch's global generator, which create() seeds: for
/// reproducible runs, train one trainer at a time in a process. The same
/// seed gives the same metrics (StepsPerSecond aside) on one machine.
class PpoTrainer {
public:
  /// Called after each iteration; an error stops training and is returned
  /// (a checkpoint that cannot be saved must not go unnoticed for hours).
  using Callback = std::function<llvm::Error(const PpoIterationMetrics &)>;

  /// Seeds torch and the benchmark choice, builds the network and the
  /// environments. Fails on an unknown reward space, no benchmarks, a number
  /// of environments that does not divide the steps per iteration, or
  /// Options.Network.State needing an Encoding without a normalizer.
  static llvm::Expected<std::unique_ptr<PpoTrainer>>
  create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
         StateEncoding Encoding, PpoOptions Options = {});

  /// Runs every remaining iteration, calling \p OnIteration after each one,
  /// and returns their metrics. Fails when a benchmark cannot be loaded or a
  /// graph cannot be built; a pass that fails only ends its episode
  /// (terminated).
  llvm::Expected<std::vector<PpoIterationMetrics>>
  train(const Callback &OnIteration = {});

  /// Continues from \p Saved (a PPO checkpoint of the same network shape
  /// and action space): its parameters, Adam state and counters. Adam keeps
  /// this run's options. The running episode is not saved, so training
  /// resumes with a fresh one.
  llvm::Error resume(const CheckpointContents &Saved);
  /// Network, optimizer and counters to save (the caller adds the action
  /// space and the reward).
  CheckpointContents checkpoint() const;

  /// The transitions of one rollout, stored [step][environment]: the
  /// transition of environment E at step T is at T * Run.Environments + E.
  struct Rollout {
    std::vector<std::shared_ptr<const StateBatch>> Observations;
    std::vector<int64_t> Actions;
    std::vector<float> LogProbs, Values, Rewards, NextValues;
    std::vector<float> Terminated, Truncated;
    /// Returns of the episodes that ended, by step, then environment.
    std::vector<double> EpisodeReturns;
  };
  /// Run.StepsPerIteration steps with the current policy, without
  /// updating it: what train() does before each update (`bench learning`
  /// times it).
  llvm::Expected<Rollout> collectRollout();

  ActorCritic network() const { return Network; }
  const torch::optim::Adam &optimizer() const { return *Optimizer; }
  const PpoOptions &options() const { return Options; }

private:
  PpoTrainer(std::unique_ptr<ParallelEpisodes> Episodes,
             StateEncoding Encoding, PpoOptions Options);

  /// The encoded current observation of environment \p Env, re-encoded
  /// only when it changed.
  std::shared_ptr<const StateBatch> currentState(size_t Env);
  /// V(s) of one encoded observation, without gradient.
  float valueOf(const StateBatch &State);
  void update(const Rollout &R, const GaeResult &Gae,
              PpoIterationMetrics &Metrics);

  std::unique_ptr<ParallelEpisodes> Episodes;
  StateEncoding Encoding;
  PpoOptions Options;
  ActorCritic Network{nullptr};
  std::unique_ptr<torch::optim::Adam> Optimizer;
  std::vector<CachedState> Current; ///< One per environment.
  CheckpointCounters Counters;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_PPO_H
