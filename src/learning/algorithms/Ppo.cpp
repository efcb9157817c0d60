//===- learning/algorithms/Ppo.cpp - PPO ----------------------------------===//
//
// Read top to bottom like CleanRL's ppo.py: setup (create), checkpoints,
// rollout (collectRollout), advantages (computeGae in train), update
// (update).
//
//===----------------------------------------------------------------------===//
#include "learning/algorithms/Ppo.h"

#include "learning/networks/Serialization.h"
#include "learning/support/Messages.h"
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
                   StateEncoding Encoding, PpoOptions Options) {
  if (Options.MinibatchSize < 1 || Options.UpdateEpochs < 1)
    return llvm::createStringError(
        "PPO: minibatch size and update epochs must be positive");
  if (hasAutophase(Options.Network.State) && !Encoding.Normalizer)
    return llvm::createStringError(
        "PPO: a state with Autophase features needs a normalizer");
  auto Episodes = EpisodeRunner::create(std::move(Benchmarks), std::move(Env),
                                        Options.Run, Options.Network.State);
  if (!Episodes)
    return Episodes.takeError();
  return std::unique_ptr<PpoTrainer>(new PpoTrainer(
      std::move(*Episodes), std::move(Encoding), std::move(Options)));
}

PpoTrainer::PpoTrainer(std::unique_ptr<EpisodeRunner> Episodes,
                       StateEncoding Encoding, PpoOptions Options)
    : Episodes(std::move(Episodes)), Encoding(std::move(Encoding)),
      Options(std::move(Options)) {
  // Seed before building the network: its initialization draws from torch's
  // global generator, as do action sampling and minibatch shuffles.
  torch::manual_seed(this->Options.Run.Seed);
  NetworkOptions &Net = this->Options.Network;
  Net.VocabularySize = static_cast<int64_t>(this->Encoding.Vocab.size());
  Net.NumActions = this->Episodes->numActions();
  this->Encoding.Kind = Net.State;
  this->Encoding.Batching.MaxPosition = Net.MaxPosition;
  Network = ActorCritic(Net);
  Network->train();
  Optimizer = std::make_unique<torch::optim::Adam>(
      Network->parameters(),
      torch::optim::AdamOptions(this->Options.LearningRate)
          .eps(this->Options.AdamEps));
}

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//

CheckpointContents PpoTrainer::checkpoint() const {
  CheckpointContents C;
  C.Algorithm = Agent::Ppo;
  C.EpisodeLength = Options.Run.EpisodeLength;
  C.Policy = Network->Policy;
  C.TrainerState = archiveBytes([this](torch::serialize::OutputArchive &A) {
    torch::serialize::OutputArchive Value, Adam;
    Network->Value->save(Value);
    Optimizer->save(Adam);
    A.write("value", Value);
    A.write("optimizer", Adam);
  });
  C.Vocab = Encoding.Vocab;
  C.Normalizer = Encoding.Normalizer;
  C.Counters = Counters;
  return C;
}

llvm::Error PpoTrainer::resume(const CheckpointContents &Saved) {
  if (Saved.Algorithm != Agent::Ppo)
    return llvm::createStringError(std::string("cannot resume PPO from a '") +
                                   nameOf(kAgentNames, Saved.Algorithm) +
                                   "' checkpoint");
  auto Fail = [](llvm::Error E) {
    return llvm::createStringError("cannot resume PPO: " +
                                   llvm::toString(std::move(E)));
  };
  if (llvm::Error E = copyParameters(*Network->Policy, *Saved.Policy))
    return Fail(std::move(E));
  torch::serialize::InputArchive Archive, Adam;
  if (llvm::Error E = loadArchive(Saved.TrainerState, Archive))
    return Fail(std::move(E));
  if (llvm::Error E = loadModule(*Network->Value, Archive, "value"))
    return Fail(std::move(E));
  if (!Archive.try_read("optimizer", Adam))
    return Fail(llvm::createStringError("no optimizer state"));
  try {
    Optimizer->load(Adam);
  } catch (const c10::Error &E) {
    return Fail(llvm::createStringError(firstLine(E.what())));
  }
  Counters = Saved.Counters;
  // Another stream than the first run's, so a resumed run does not replay
  // the samples it already trained on.
  torch::manual_seed(Options.Run.Seed +
                     static_cast<uint64_t>(Counters.Iteration));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Rollout
//===----------------------------------------------------------------------===//

std::shared_ptr<const StateBatch> PpoTrainer::currentState() {
  return Current.get(Episodes->observation(), Episodes->observationVersion(),
                     Encoding);
}

float PpoTrainer::valueOf(const StateBatch &State) {
  torch::NoGradGuard NoGrad;
  return Network->forward(State).Value[0].item<float>();
}

llvm::Expected<PpoTrainer::Rollout> PpoTrainer::collectRollout() {
  torch::NoGradGuard NoGrad;
  Rollout R;
  const int64_t T = Options.Run.StepsPerIteration;
  for (int64_t Step = 0; Step < T; ++Step) {
    if (llvm::Error E = Episodes->ensureEpisode())
      return E;

    // Sample a ~ Categorical(softmax(logits)).
    std::shared_ptr<const StateBatch> State = currentState();
    ActorCriticOutput Out = Network->forward(*State);
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

      std::vector<const StateBatch *> States;
      auto Rows = Index.accessor<int64_t, 1>();
      for (int64_t I = 0; I < Rows.size(0); ++I)
        States.push_back(R.Observations[Rows[I]].get());
      ActorCriticOutput Out = Network->forward(concatStates(States));

      torch::Tensor LogProbs = torch::log_softmax(Out.Logits, -1);
      torch::Tensor NewLogProb =
          LogProbs.gather(1, Actions.index({Index}).unsqueeze(1)).squeeze(1);
      torch::Tensor NewEntropy = -(LogProbs.exp() * LogProbs).sum(-1);

      PpoLosses L = ppoLosses(NewLogProb, OldLogProbs.index({Index}),
                              Gae.Advantages.index({Index}), Out.Value,
                              OldValues.index({Index}),
                              Gae.Returns.index({Index}), NewEntropy, Options);

      Optimizer->zero_grad();
      L.Total.backward();
      torch::nn::utils::clip_grad_norm_(Network->parameters(),
                                        Options.MaxGradNorm);
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
  while (Counters.Iteration < Options.Run.iterations()) {
    auto Start = std::chrono::steady_clock::now();

    auto R = collectRollout();
    if (!R)
      return R.takeError();
    Counters.GlobalStep += Options.Run.StepsPerIteration;

    GaeResult Gae =
        computeGae(floats(R->Rewards), floats(R->Values), floats(R->NextValues),
                   floats(R->Terminated), floats(R->Truncated), Options.Gamma,
                   Options.GaeLambda);

    PpoIterationMetrics M;
    M.Iteration = Counters.Iteration;
    M.GlobalStep = Counters.GlobalStep;
    M.Episodes = static_cast<int64_t>(R->EpisodeReturns.size());
    M.MeanEpisodeReturn = meanOrNaN(R->EpisodeReturns);
    update(*R, Gae, M);
    ++Counters.Iteration;

    std::chrono::duration<double> Elapsed =
        std::chrono::steady_clock::now() - Start;
    M.StepsPerSecond =
        Options.Run.StepsPerIteration / std::max(Elapsed.count(), 1e-9);
    if (OnIteration)
      if (llvm::Error E = OnIteration(M))
        return E;
    All.push_back(M);
  }
  return All;
}

} // namespace passgym::learning
