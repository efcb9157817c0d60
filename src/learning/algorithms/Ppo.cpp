//===- learning/Ppo.cpp - PPO training loop -------------------------------===//
//
// Read top to bottom like CleanRL's ppo.py: setup (create), rollout
// (collectRollout), advantages (computeGae in train), update (update).
//
//===----------------------------------------------------------------------===//
#include "learning/algorithms/Ppo.h"

#include "support/Statistics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

namespace passgym::learning {

namespace {

torch::Tensor floats(const std::vector<float> &V) {
  return torch::tensor(V, torch::kFloat32);
}

/// 1 - Var(y - y_pred) / Var(y), NaN for constant y (CleanRL's
/// explained_var).
double explainedVariance(const torch::Tensor &Predicted,
                         const torch::Tensor &Target) {
  double VarTarget = Target.var(/*unbiased=*/false).item<double>();
  if (VarTarget == 0)
    return std::numeric_limits<double>::quiet_NaN();
  return 1 - (Target - Predicted).var(/*unbiased=*/false).item<double>() /
                 VarTarget;
}

} // namespace

//===----------------------------------------------------------------------===//
// Setup
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<PpoTrainer>>
PpoTrainer::create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
                   Vocabulary Vocab, PpoTrainOptions Options) {
  if (Options.RolloutSteps < 1 || Options.MinibatchSize < 1 ||
      Options.UpdateEpochs < 1)
    return llvm::createStringError(
        "PPO: rollout steps, minibatch size and update epochs must be "
        "positive");
  auto Episodes = EpisodeRunner::create(
      std::move(Benchmarks), std::move(Env),
      {Options.EpisodeLength, Options.RandomBenchmarks, Options.Seed});
  if (!Episodes)
    return Episodes.takeError();
  return std::unique_ptr<PpoTrainer>(new PpoTrainer(
      std::move(*Episodes), std::move(Vocab), std::move(Options)));
}

PpoTrainer::PpoTrainer(std::unique_ptr<EpisodeRunner> Episodes,
                       Vocabulary Vocab, PpoTrainOptions Options)
    : Episodes(std::move(Episodes)), Vocab(std::move(Vocab)),
      Options(std::move(Options)) {
  // Seed before building the network: its initialization draws from torch's
  // global generator, as do action sampling and minibatch shuffles.
  torch::manual_seed(this->Options.Seed);
  AgentNetworkOptions Net = this->Options.Network;
  Net.VocabularySize = static_cast<int64_t>(this->Vocab.size());
  Net.NumActions = this->Episodes->numActions();
  Net.PolicyHead = Net.ValueHead = true;
  Net.QHead = false;
  this->Options.Network = Net;
  Batching.MaxPosition = Net.MaxPosition;
  Network = AgentNetwork(Net);
  Network->train();
  Optimizer = std::make_unique<torch::optim::Adam>(
      Network->parameters(),
      torch::optim::AdamOptions(this->Options.LearningRate).eps(1e-5));
}

int64_t PpoTrainer::iterations() const {
  return std::max<int64_t>(1, Options.TotalSteps / Options.RolloutSteps);
}

llvm::Error PpoTrainer::resume(LoadedCheckpoint Saved) {
  if (Saved.Training.Algorithm != "ppo")
    return llvm::createStringError("cannot resume PPO from a '" +
                                   Saved.Training.Algorithm + "' checkpoint");
  if (!Saved.Optimizer)
    return llvm::createStringError(
        "cannot resume: the checkpoint has no optimizer state");
  Network = Saved.Network;
  Network->train();
  Optimizer = std::move(Saved.Optimizer);
  Counters = Saved.Counters;
  // Another stream than the first run's, so a resumed run does not replay
  // the samples it already trained on.
  torch::manual_seed(Options.Seed + static_cast<uint64_t>(Counters.Iteration));
  return llvm::Error::success();
}

CheckpointContents PpoTrainer::checkpoint() const {
  CheckpointContents C;
  C.Network = Network;
  C.Optimizer = Optimizer.get();
  C.Vocab = Vocab;
  C.Counters = Counters;
  C.Training.Algorithm = "ppo";
  C.Training.EpisodeLength = Options.EpisodeLength;
  return C;
}

//===----------------------------------------------------------------------===//
// Rollout
//===----------------------------------------------------------------------===//

std::shared_ptr<const GraphBatch> PpoTrainer::currentState() {
  return Current.get(Episodes->observation(), Episodes->observationVersion(),
                     Vocab, Batching);
}

float PpoTrainer::valueOf(const GraphBatch &State) {
  torch::NoGradGuard NoGrad;
  return Network->forward(State).Value[0].item<float>();
}

llvm::Expected<PpoTrainer::Rollout> PpoTrainer::collectRollout() {
  torch::NoGradGuard NoGrad;
  Rollout R;
  const int64_t T = Options.RolloutSteps;
  for (int64_t Step = 0; Step < T; ++Step) {
    if (llvm::Error E = Episodes->ensureEpisode())
      return E;

    // Sample a ~ Categorical(softmax(logits)).
    std::shared_ptr<const GraphBatch> State = currentState();
    AgentOutput Out = Network->forward(*State);
    torch::Tensor LogProbs = torch::log_softmax(Out.Logits[0], -1);
    int64_t Action = torch::multinomial(LogProbs.exp(), 1).item<int64_t>();
    R.Observations.push_back(std::move(State));

    auto S = Episodes->step(Action);
    if (!S)
      return S.takeError();

    R.Actions.push_back(Action);
    R.LogProbs.push_back(LogProbs[Action].item<float>());
    R.Values.push_back(Out.Value[0].item<float>());
    R.Rewards.push_back(static_cast<float>(S->Reward));
    R.Terminated.push_back(S->Terminated ? 1.0f : 0.0f);
    R.Truncated.push_back(S->Truncated ? 1.0f : 0.0f);
    // A truncated episode bootstraps from V(final observation); a running
    // one gets Values[t + 1] below.
    R.NextValues.push_back(S->Truncated ? valueOf(*currentState()) : 0.0f);
    if (S->EpisodeReturn)
      R.EpisodeReturns.push_back(*S->EpisodeReturn);
  }
  // An episode still running: its next value is that of the next step, or,
  // after the last step, of the observation the next rollout starts from.
  for (int64_t Step = 0; Step < T; ++Step) {
    if (R.Terminated[Step] != 0 || R.Truncated[Step] != 0)
      continue;
    R.NextValues[Step] =
        Step + 1 < T ? R.Values[Step + 1] : valueOf(*currentState());
  }
  return R;
}

//===----------------------------------------------------------------------===//
// Update
//===----------------------------------------------------------------------===//

void PpoTrainer::update(const Rollout &R, const GaeResult &Gae,
                        PpoIterationMetrics &Metrics) {
  const int64_t T = static_cast<int64_t>(R.Actions.size());
  torch::Tensor Actions = torch::tensor(R.Actions, torch::kInt64);
  torch::Tensor OldLogProbs = floats(R.LogProbs);
  torch::Tensor OldValues = floats(R.Values);

  double PolicyLoss = 0, ValueLoss = 0, Entropy = 0, ApproxKl = 0,
         ClipFraction = 0;
  int64_t Minibatches = 0;
  for (int64_t Epoch = 0; Epoch < Options.UpdateEpochs; ++Epoch) {
    torch::Tensor Order = torch::randperm(T, torch::kInt64);
    for (int64_t Start = 0; Start < T; Start += Options.MinibatchSize) {
      int64_t End = std::min(T, Start + Options.MinibatchSize);
      torch::Tensor Index = Order.slice(0, Start, End);

      std::vector<const GraphBatch *> States;
      auto Rows = Index.accessor<int64_t, 1>();
      for (int64_t I = 0; I < Rows.size(0); ++I)
        States.push_back(R.Observations[Rows[I]].get());
      AgentOutput Out = Network->forward(concatBatches(States));

      torch::Tensor LogProbs = torch::log_softmax(Out.Logits, -1);
      torch::Tensor NewLogProb =
          LogProbs.gather(1, Actions.index({Index}).unsqueeze(1)).squeeze(1);
      torch::Tensor NewEntropy = -(LogProbs.exp() * LogProbs).sum(-1);

      PpoLosses L = ppoLosses(
          NewLogProb, OldLogProbs.index({Index}), Gae.Advantages.index({Index}),
          Out.Value, OldValues.index({Index}), Gae.Returns.index({Index}),
          NewEntropy, Options.Ppo);

      Optimizer->zero_grad();
      L.Total.backward();
      torch::nn::utils::clip_grad_norm_(Network->parameters(),
                                        Options.Ppo.MaxGradNorm);
      Optimizer->step();

      PolicyLoss += L.Policy.item<double>();
      ValueLoss += L.Value.item<double>();
      Entropy += L.Entropy.item<double>();
      ApproxKl += L.ApproxKl.item<double>();
      ClipFraction += L.ClipFraction.item<double>();
      ++Minibatches;
    }
  }
  Metrics.PolicyLoss = PolicyLoss / Minibatches;
  Metrics.ValueLoss = ValueLoss / Minibatches;
  Metrics.Entropy = Entropy / Minibatches;
  Metrics.ApproxKl = ApproxKl / Minibatches;
  Metrics.ClipFraction = ClipFraction / Minibatches;
  Metrics.ExplainedVariance = explainedVariance(OldValues, Gae.Returns);
}

//===----------------------------------------------------------------------===//
// The loop
//===----------------------------------------------------------------------===//

std::vector<std::pair<std::string, double>>
PpoIterationMetrics::fields() const {
  return {{"iteration", static_cast<double>(Iteration)},
          {"global_step", static_cast<double>(GlobalStep)},
          {"episodes", static_cast<double>(Episodes)},
          {"mean_episode_return", MeanEpisodeReturn},
          {"policy_loss", PolicyLoss},
          {"value_loss", ValueLoss},
          {"entropy", Entropy},
          {"approx_kl", ApproxKl},
          {"clip_fraction", ClipFraction},
          {"explained_variance", ExplainedVariance},
          {"steps_per_second", StepsPerSecond}};
}

llvm::Expected<std::vector<PpoIterationMetrics>>
PpoTrainer::train(const Callback &OnIteration) {
  std::vector<PpoIterationMetrics> All;
  while (Counters.Iteration < iterations()) {
    auto Start = std::chrono::steady_clock::now();

    auto R = collectRollout();
    if (!R)
      return R.takeError();
    Counters.GlobalStep += Options.RolloutSteps;

    GaeResult Gae =
        computeGae(floats(R->Rewards), floats(R->Values), floats(R->NextValues),
                   floats(R->Terminated), floats(R->Truncated),
                   Options.Ppo.Gamma, Options.Ppo.GaeLambda);

    PpoIterationMetrics M;
    M.Iteration = Counters.Iteration;
    M.GlobalStep = Counters.GlobalStep;
    M.Episodes = static_cast<int64_t>(R->EpisodeReturns.size());
    M.MeanEpisodeReturn = meanOrNaN(R->EpisodeReturns);
    update(*R, Gae, M);
    ++Counters.Iteration;

    std::chrono::duration<double> Elapsed =
        std::chrono::steady_clock::now() - Start;
    M.StepsPerSecond = Options.RolloutSteps / std::max(Elapsed.count(), 1e-9);
    if (OnIteration)
      if (llvm::Error E = OnIteration(M))
        return E;
    All.push_back(M);
  }
  return All;
}

} // namespace passgym::learning
