//===- learning/algorithms/Sac.h - Discrete soft actor-critic ---*- C++ -*-===//
//
// Soft actor-critic for discrete actions (Christodoulou, 2019), structured
// like CleanRL's sac_atari.py: options, act, store the transition in a
// replay buffer,
// and every few steps sample a batch and update twin critics, the actor and
// the entropy temperature with sacLosses (Losses.h), then move the
// target critics towards the critics by Polyak averaging. CPU only;
// Run.Environments environments stepped together, each on a thread of its
// own. docs/learning.md ("SAC") describes it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_SAC_H
#define PASSGYM_LEARNING_ALGORITHMS_SAC_H

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
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace passgym::learning {

/// Every discrete-SAC hyperparameter, with its default (CleanRL's
/// sac_atari.py unless said).
struct SacOptions {
  /// Seed, total steps, episode length, and the steps between two metrics
  /// rows (and checkpoints).
  RunSchedule Run;
  /// Shape of the actor (encoder + policy head) and of each critic (encoder
  /// + Q head); each has its own encoder. VocabularySize and NumActions are
  /// set from the vocabulary and the action space.
  NetworkOptions Network;

  /// Transitions kept; the oldest are overwritten.
  int64_t BufferSize = 8192;
  /// Uniformly random actions before the first update, to fill the buffer:
  /// LearningStarts steps, but at most MaxLearningStartsFraction of
  /// Run.TotalSteps, so that a short run still learns.
  int64_t LearningStarts = 512;
  double MaxLearningStartsFraction = 0.25;
  /// Transitions per gradient update.
  int64_t BatchSize = 32;
  /// Environment steps per gradient update (CleanRL's update_frequency).
  /// An update runs six graph-network forward passes over BatchSize graphs,
  /// far more than a step costs, so this sets the training speed.
  int64_t UpdateFrequency = 4;
  /// Adam's learning rates (actor; critics and temperature) and epsilon.
  double PolicyLearningRate = 3e-4;
  double QLearningRate = 3e-4;
  double AdamEps = 1e-4;
  /// Discount: lower than CleanRL's 0.99, episodes are tens of passes.
  double Gamma = 0.98;
  /// Polyak coefficient of the target critics (polyakUpdate).
  double Tau = 0.005;
  /// Tune the temperature towards the target entropy; otherwise keep
  /// InitialAlpha.
  bool Autotune = true;
  double InitialAlpha = 0.2;
  /// Target entropy = TargetEntropyScale * log |A|. Atari's 0.89 would keep
  /// the policy near uniform over 117 actions of which a few matter.
  double TargetEntropyScale = 0.3;
  /// Rewards are multiplied by this before entering the critic target:
  /// normalized per-step rewards are fractions of one (CleanRL: 1).
  double RewardScale = 10;

  /// The warm-up in steps: LearningStarts, capped by the fraction.
  int64_t learningStarts() const;
};

struct SacIterationMetrics {
  int64_t Iteration = 0;
  int64_t GlobalStep = 0;
  /// Episodes that ended in this iteration and their mean return (NaN when
  /// none ended).
  int64_t Episodes = 0;
  double MeanEpisodeReturn = 0;
  /// Gradient updates in this iteration; the losses are their means (NaN
  /// when none, during the warm-up).
  int64_t Updates = 0;
  double CriticLoss = 0;
  double ActorLoss = 0;
  double AlphaLoss = 0;
  double Alpha = 0;
  double Entropy = 0;
  /// Mean soft critic target: how much return the critics expect.
  double MeanTarget = 0;
  double StepsPerSecond = 0;

  std::vector<std::pair<std::string, double>> fields() const;
};

/// Fixed-size ring of transitions. Each state is stored once as an encoded
/// single-graph batch and shared by the transitions that lead to and from
/// it, so a run of steps that leave the module unchanged costs one graph.
class ReplayBuffer {
public:
  using State = std::shared_ptr<const StateBatch>;
  struct Transition {
    State Observation, NextObservation;
    int64_t Action = 0;
    float Reward = 0;
    float Terminated = 0;
  };

  explicit ReplayBuffer(int64_t Capacity);
  void add(Transition T);
  int64_t size() const { return static_cast<int64_t>(Items.size()); }
  /// \p Count transitions drawn uniformly with replacement.
  std::vector<const Transition *> sample(int64_t Count,
                                         std::mt19937_64 &Rng) const;

private:
  int64_t Capacity;
  size_t Next = 0;
  std::vector<Transition> Items;
};

class SacTrainer {
public:
  /// Called after each iteration; an error stops training and is returned
  /// (a checkpoint that cannot be saved must not go unnoticed for hours).
  using Callback = std::function<llvm::Error(const SacIterationMetrics &)>;

  static llvm::Expected<std::unique_ptr<SacTrainer>>
  create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
         StateEncoding Encoding, SacOptions Options = {});

  /// Runs the remaining iterations; same failure rules as PpoTrainer.
  llvm::Expected<std::vector<SacIterationMetrics>>
  train(const Callback &OnIteration = {});

  /// Continues from a SAC checkpoint: actor, critics, targets, temperature,
  /// all optimizers (with this run's options) and the counters. The replay
  /// buffer is not saved: it refills with random steps before updates
  /// resume.
  llvm::Error resume(const CheckpointContents &Saved);
  CheckpointContents checkpoint() const;

  /// The actor: the policy.
  Actor network() const { return ActorNet; }
  /// Critic 1, critic 2, target 1, target 2.
  std::vector<Critic> critics() const {
    return {Critic1, Critic2, Target1, Target2};
  }
  const SacOptions &options() const { return Options; }
  double alpha() const { return LogAlpha.exp().item<double>(); }

private:
  SacTrainer(std::unique_ptr<ParallelEpisodes> Episodes,
             StateEncoding Encoding, SacOptions Options);

  /// The encoded current observation of environment \p Env, re-encoded
  /// only when it changed.
  ReplayBuffer::State currentState(size_t Env);
  /// One action per state: uniform during the warm-up, else sampled from
  /// the actor with one forward pass over all of them.
  std::vector<int64_t> chooseActions(const std::vector<ReplayBuffer::State> &S);
  SacLosses update();
  void saveState(torch::serialize::OutputArchive &Archive) const;
  llvm::Error loadState(torch::serialize::InputArchive &Archive);

  std::unique_ptr<ParallelEpisodes> Episodes;
  StateEncoding Encoding;
  SacOptions Options;
  std::mt19937_64 Rng;

  Actor ActorNet{nullptr};
  Critic Critic1{nullptr}, Critic2{nullptr};
  Critic Target1{nullptr}, Target2{nullptr};
  torch::Tensor LogAlpha;
  std::unique_ptr<torch::optim::Adam> ActorOptimizer, CriticOptimizer,
      AlphaOptimizer;

  ReplayBuffer Buffer;
  std::vector<CachedState> Current; ///< One per environment.
  /// Steps since this process started (or resumed): the warm-up counts them.
  int64_t LocalSteps = 0;
  CheckpointCounters Counters;
};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_SAC_H
