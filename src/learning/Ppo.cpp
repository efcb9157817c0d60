//===- learning/Ppo.cpp - PPO training loop -------------------------------===//
//
// Read top to bottom like CleanRL's ppo.py: setup (create), rollout
// (collectRollout), advantages (computeGae in train), update (update).
//
//===----------------------------------------------------------------------===//
#include "learning/Ppo.h"

#include "graph/LlvmGraphBuilder.h"

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
  if (Benchmarks.empty())
    return llvm::createStringError("PPO needs at least one benchmark");
  if (Options.EpisodeLength < 1 || Options.RolloutSteps < 1 ||
      Options.MinibatchSize < 1 || Options.UpdateEpochs < 1)
    return llvm::createStringError(
        "PPO: episode length, rollout steps, minibatch size and update "
        "epochs must be positive");
  // The loop builds its own graph observations from env.module().
  Env.observationSpace.clear();
  auto E = Environment::create(std::move(Env));
  if (!E)
    return E.takeError();
  return std::unique_ptr<PpoTrainer>(
      new PpoTrainer(std::move(Benchmarks), std::move(*E), std::move(Vocab),
                     std::move(Options)));
}

PpoTrainer::PpoTrainer(std::vector<BenchmarkPtr> Benchmarks,
                       std::unique_ptr<Environment> Env, Vocabulary Vocab,
                       PpoTrainOptions Options)
    : Benchmarks(std::move(Benchmarks)), Env(std::move(Env)),
      Vocab(std::move(Vocab)), Options(std::move(Options)),
      Rng(this->Options.Seed) {
  // Seed before building the network: its initialization draws from torch's
  // global generator, as do action sampling and minibatch shuffles.
  torch::manual_seed(this->Options.Seed);
  AgentNetworkOptions Net = this->Options.Network;
  Net.VocabularySize = static_cast<int64_t>(this->Vocab.size());
  Net.NumActions = static_cast<int64_t>(this->Env->actions().size());
  this->Options.Network = Net;
  Batching.MaxPosition = Net.MaxPosition;
  Network = AgentNetwork(Net);
  Network->train();
  Optimizer = std::make_unique<torch::optim::Adam>(
      Network->parameters(),
      torch::optim::AdamOptions(this->Options.LearningRate).eps(1e-5));
}

//===----------------------------------------------------------------------===//
// Rollout
//===----------------------------------------------------------------------===//

llvm::Expected<graph::ProgramGraph> PpoTrainer::observe() const {
  return graph::buildProgramGraph(Env->module());
}

llvm::Error PpoTrainer::startEpisode() {
  size_t Index;
  if (Options.RandomBenchmarks) {
    Index =
        std::uniform_int_distribution<size_t>(0, Benchmarks.size() - 1)(Rng);
  } else {
    Index = NextBenchmark;
    NextBenchmark = (NextBenchmark + 1) % Benchmarks.size();
  }
  if (auto R = Env->reset(Benchmarks[Index]); !R)
    return R.takeError();
  auto G = observe();
  if (!G)
    return G.takeError();
  Current = std::move(*G);
  EpisodeSteps = 0;
  EpisodeReturn = 0;
  InEpisode = true;
  return llvm::Error::success();
}

float PpoTrainer::valueOf(const graph::ProgramGraph &G) {
  torch::NoGradGuard NoGrad;
  return Network->forward(makeBatch({&G}, Vocab, Batching))
      .Value[0]
      .item<float>();
}

llvm::Expected<PpoTrainer::Rollout> PpoTrainer::collectRollout() {
  torch::NoGradGuard NoGrad;
  Rollout R;
  const int64_t T = Options.RolloutSteps;
  for (int64_t Step = 0; Step < T; ++Step) {
    if (!InEpisode)
      if (llvm::Error E = startEpisode())
        return E;

    // Sample a ~ Categorical(softmax(logits)).
    AgentOutput Out = Network->forward(makeBatch({&Current}, Vocab, Batching));
    torch::Tensor LogProbs = torch::log_softmax(Out.Logits[0], -1);
    int64_t Action = torch::multinomial(LogProbs.exp(), 1).item<int64_t>();

    auto Result = Env->step(static_cast<size_t>(Action));
    if (!Result)
      return Result.takeError();
    ++EpisodeSteps;
    EpisodeReturn += Result->reward;

    // The environment ends an episode only on a failure: terminal, no
    // future value. The step limit truncates: bootstrap from V(final obs).
    bool Terminated = Result->done;
    bool Truncated = !Terminated && EpisodeSteps >= Options.EpisodeLength;

    R.Observations.push_back(std::move(Current));
    R.Actions.push_back(Action);
    R.LogProbs.push_back(LogProbs[Action].item<float>());
    R.Values.push_back(Out.Value[0].item<float>());
    R.Rewards.push_back(static_cast<float>(Result->reward));
    R.Terminated.push_back(Terminated ? 1.0f : 0.0f);
    R.Truncated.push_back(Truncated ? 1.0f : 0.0f);
    // Filled in below: Values[t + 1] when the episode goes on.
    R.NextValues.push_back(0.0f);

    if (!Terminated) {
      auto G = observe();
      if (!G)
        return G.takeError();
      Current = std::move(*G);
    }
    if (Terminated || Truncated) {
      if (Truncated)
        R.NextValues.back() = valueOf(Current);
      R.EpisodeReturns.push_back(EpisodeReturn);
      InEpisode = false;
    }
  }
  // An episode still running: its next value is that of the next step, or,
  // after the last step, of the observation the next rollout starts from.
  for (int64_t Step = 0; Step < T; ++Step) {
    if (R.Terminated[Step] != 0 || R.Truncated[Step] != 0)
      continue;
    R.NextValues[Step] = Step + 1 < T ? R.Values[Step + 1] : valueOf(Current);
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

      std::vector<const graph::ProgramGraph *> Graphs;
      auto Rows = Index.accessor<int64_t, 1>();
      for (int64_t I = 0; I < Rows.size(0); ++I)
        Graphs.push_back(&R.Observations[Rows[I]]);
      AgentOutput Out = Network->forward(makeBatch(Graphs, Vocab, Batching));

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

llvm::Expected<std::vector<PpoIterationMetrics>>
PpoTrainer::train(const Callback &OnIteration) {
  const int64_t Iterations =
      std::max<int64_t>(1, Options.TotalSteps / Options.RolloutSteps);
  std::vector<PpoIterationMetrics> All;
  int64_t GlobalStep = 0;
  for (int64_t Iteration = 0; Iteration < Iterations; ++Iteration) {
    auto Start = std::chrono::steady_clock::now();

    auto R = collectRollout();
    if (!R)
      return R.takeError();
    GlobalStep += Options.RolloutSteps;

    GaeResult Gae =
        computeGae(floats(R->Rewards), floats(R->Values), floats(R->NextValues),
                   floats(R->Terminated), floats(R->Truncated),
                   Options.Ppo.Gamma, Options.Ppo.GaeLambda);

    PpoIterationMetrics M;
    M.Iteration = Iteration;
    M.GlobalStep = GlobalStep;
    M.Episodes = static_cast<int64_t>(R->EpisodeReturns.size());
    M.MeanEpisodeReturn = std::numeric_limits<double>::quiet_NaN();
    if (M.Episodes > 0) {
      double Sum = 0;
      for (double Return : R->EpisodeReturns)
        Sum += Return;
      M.MeanEpisodeReturn = Sum / M.Episodes;
    }
    update(*R, Gae, M);

    std::chrono::duration<double> Elapsed =
        std::chrono::steady_clock::now() - Start;
    M.StepsPerSecond = Options.RolloutSteps / std::max(Elapsed.count(), 1e-9);
    if (OnIteration)
      OnIteration(M);
    All.push_back(M);
  }
  return All;
}

} // namespace passgym::learning
