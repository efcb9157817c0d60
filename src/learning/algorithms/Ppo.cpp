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
  auto Episodes = ParallelEpisodes::create(std::move(Benchmarks),
                                           std::move(Env), Options.Run,
                                           Options.Network.State);
  if (!Episodes)
    return Episodes.takeError();
  return std::unique_ptr<PpoTrainer>(new PpoTrainer(
      std::move(*Episodes), std::move(Encoding), std::move(Options)));
}

PpoTrainer::PpoTrainer(std::unique_ptr<ParallelEpisodes> Episodes,
                       StateEncoding Encoding, PpoOptions Options)
    : Episodes(std::move(Episodes)), Encoding(std::move(Encoding)),
      Options(std::move(Options)), Current(this->Episodes->size()) {
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
  C.StartFrom = Options.Run.StartFrom;
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

std::shared_ptr<const StateBatch> PpoTrainer::currentState(size_t Env) {
  return Current[Env].get(Episodes->observation(Env),
                          Episodes->observationVersion(Env), Encoding);
}

float PpoTrainer::valueOf(const StateBatch &State) {
  torch::NoGradGuard NoGrad;
  return Network->forward(State).Value[0].item<float>();
}

llvm::Expected<PpoTrainer::Rollout> PpoTrainer::collectRollout() {
  torch::NoGradGuard NoGrad;
  Rollout R;
  const int64_t T = Options.Run.stepsPerEnvironment();
  const size_t N = Episodes->size();
  for (int64_t Step = 0; Step < T; ++Step) {
    if (llvm::Error E = Episodes->ensureEpisodes())
      return E;

    // Sample a ~ Categorical(softmax(logits)) in each environment, with one
    // forward pass over the batch of their states.
    std::vector<std::shared_ptr<const StateBatch>> States;
    std::vector<const StateBatch *> Batch;
    for (size_t Env = 0; Env < N; ++Env) {
      States.push_back(currentState(Env));
      Batch.push_back(States.back().get());
    }
    ActorCriticOutput Out = Network->forward(concatStates(Batch));
    torch::Tensor LogProbs = torch::log_softmax(Out.Logits, -1);
    torch::Tensor Sampled = torch::multinomial(LogProbs.exp(), 1);
    std::vector<int64_t> Actions(Sampled.data_ptr<int64_t>(),
                                 Sampled.data_ptr<int64_t>() + N);

    auto Steps = Episodes->step(Actions);
    if (!Steps)
      return Steps.takeError();

    for (size_t Env = 0; Env < N; ++Env) {
      const EpisodeStep &S = (*Steps)[Env];
      R.Observations.push_back(std::move(States[Env]));
      R.Actions.push_back(Actions[Env]);
      R.LogProbs.push_back(LogProbs[Env][Actions[Env]].item<float>());
      R.Values.push_back(Out.Value[Env].item<float>());
      R.Rewards.push_back(static_cast<float>(S.Reward));
      R.Terminated.push_back(S.Terminated ? 1.0f : 0.0f);
      R.Truncated.push_back(S.Truncated ? 1.0f : 0.0f);
      // A truncated episode bootstraps from V(final observation); a running
      // one gets the value of its environment's next step below.
      R.NextValues.push_back(S.Truncated ? valueOf(*currentState(Env)) : 0.0f);
      if (S.EpisodeReturn)
        R.EpisodeReturns.push_back(*S.EpisodeReturn);
    }
  }
  // An episode still running: its next value is that of the next step, or,
  // after the last step, of the observation the next rollout starts from.
  const size_t Total = R.Actions.size();
  for (size_t I = 0; I < Total; ++I) {
    if (R.Terminated[I] != 0 || R.Truncated[I] != 0)
      continue;
    R.NextValues[I] =
        I + N < Total ? R.Values[I + N] : valueOf(*currentState(I % N));
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

    // GAE runs along each environment's steps: [T, N], then back to the
    // rollout's order.
    auto Shaped = [N = Options.Run.Environments](const std::vector<float> &V) {
      return floats(V).view({-1, N});
    };
    GaeResult Gae =
        computeGae(Shaped(R->Rewards), Shaped(R->Values), Shaped(R->NextValues),
                   Shaped(R->Terminated), Shaped(R->Truncated), Options.Gamma,
                   Options.GaeLambda);
    Gae.Advantages = Gae.Advantages.flatten();
    Gae.Returns = Gae.Returns.flatten();

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
