//===- learning/Sac.cpp - Discrete soft actor-critic ----------------------===//
//
// Read top to bottom like CleanRL's sac_atari.py: setup (create), acting
// (chooseAction), the loop that fills the replay buffer (train), and the
// update (update). One deviation: the actor's loss uses the critics' values
// from before this update's critic step, saving two graph-network forward
// passes per update.
//
//===----------------------------------------------------------------------===//
#include "learning/algorithms/Sac.h"

#include "support/Statistics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace passgym::learning {

//===----------------------------------------------------------------------===//
// Replay buffer
//===----------------------------------------------------------------------===//

ReplayBuffer::ReplayBuffer(int64_t Capacity) : Capacity(Capacity) {
  Items.reserve(static_cast<size_t>(Capacity));
}

void ReplayBuffer::add(Transition T) {
  if (size() < Capacity) {
    Items.push_back(std::move(T));
    return;
  }
  Items[Next] = std::move(T);
  Next = (Next + 1) % static_cast<size_t>(Capacity);
}

std::vector<const ReplayBuffer::Transition *>
ReplayBuffer::sample(int64_t Count, std::mt19937_64 &Rng) const {
  std::uniform_int_distribution<size_t> Pick(0, Items.size() - 1);
  std::vector<const Transition *> Batch;
  for (int64_t I = 0; I < Count; ++I)
    Batch.push_back(&Items[Pick(Rng)]);
  return Batch;
}

//===----------------------------------------------------------------------===//
// Setup
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<SacTrainer>>
SacTrainer::create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
                   Vocabulary Vocab, SacTrainOptions Options) {
  if (Options.StepsPerIteration < 1 || Options.BufferSize < 1 ||
      Options.BatchSize < 1 || Options.UpdateFrequency < 1 ||
      Options.LearningStarts < 0)
    return llvm::createStringError(
        "SAC: steps per iteration, buffer size, batch size and update "
        "frequency must be positive, learning starts non-negative");
  auto Episodes = EpisodeRunner::create(
      std::move(Benchmarks), std::move(Env),
      {Options.EpisodeLength, Options.RandomBenchmarks, Options.Seed});
  if (!Episodes)
    return Episodes.takeError();
  return std::unique_ptr<SacTrainer>(new SacTrainer(
      std::move(*Episodes), std::move(Vocab), std::move(Options)));
}

SacTrainer::SacTrainer(std::unique_ptr<EpisodeRunner> Episodes,
                       Vocabulary Vocab, SacTrainOptions Options)
    : Episodes(std::move(Episodes)), Vocab(std::move(Vocab)),
      Options(std::move(Options)), Rng(this->Options.Seed),
      Buffer(this->Options.BufferSize) {
  torch::manual_seed(this->Options.Seed);
  AgentNetworkOptions Net = this->Options.Network;
  Net.VocabularySize = static_cast<int64_t>(this->Vocab.size());
  Net.NumActions = this->Episodes->numActions();
  Batching.MaxPosition = Net.MaxPosition;

  AgentNetworkOptions ActorNet = Net, CriticNet = Net;
  ActorNet.PolicyHead = true;
  ActorNet.ValueHead = ActorNet.QHead = false;
  CriticNet.PolicyHead = CriticNet.ValueHead = false;
  CriticNet.QHead = true;
  this->Options.Network = ActorNet;
  Actor = AgentNetwork(ActorNet);
  Critic1 = AgentNetwork(CriticNet);
  Critic2 = AgentNetwork(CriticNet);
  // Targets start as copies of the critics.
  Target1 = AgentNetwork(CriticNet);
  Target2 = AgentNetwork(CriticNet);
  polyakUpdate(*Target1, *Critic1, 1.0);
  polyakUpdate(*Target2, *Critic2, 1.0);
  LogAlpha = torch::full({1}, std::log(this->Options.InitialAlpha),
                         torch::requires_grad());

  ActorOptimizer = std::make_unique<torch::optim::Adam>(
      Actor->parameters(),
      torch::optim::AdamOptions(this->Options.PolicyLearningRate).eps(1e-4));
  std::vector<torch::Tensor> CriticParameters = Critic1->parameters();
  for (const torch::Tensor &P : Critic2->parameters())
    CriticParameters.push_back(P);
  CriticOptimizer = std::make_unique<torch::optim::Adam>(
      CriticParameters,
      torch::optim::AdamOptions(this->Options.QLearningRate).eps(1e-4));
  AlphaOptimizer = std::make_unique<torch::optim::Adam>(
      std::vector<torch::Tensor>{LogAlpha},
      torch::optim::AdamOptions(this->Options.QLearningRate).eps(1e-4));
}

int64_t SacTrainer::iterations() const {
  return std::max<int64_t>(1, Options.TotalSteps / Options.StepsPerIteration);
}

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//

void SacTrainer::saveState(torch::serialize::OutputArchive &Archive) const {
  for (auto [Name, Net] : {std::pair{"critic1", &Critic1},
                           {"critic2", &Critic2},
                           {"target1", &Target1},
                           {"target2", &Target2}}) {
    torch::serialize::OutputArchive Part;
    (*Net)->save(Part);
    Archive.write(Name, Part);
  }
  torch::serialize::OutputArchive CriticState, AlphaState;
  CriticOptimizer->save(CriticState);
  AlphaOptimizer->save(AlphaState);
  Archive.write("critic_optimizer", CriticState);
  Archive.write("alpha_optimizer", AlphaState);
  Archive.write("log_alpha", LogAlpha.detach());
}

void SacTrainer::loadState(torch::serialize::InputArchive &Archive) {
  for (auto [Name, Net] : {std::pair{"critic1", &Critic1},
                           {"critic2", &Critic2},
                           {"target1", &Target1},
                           {"target2", &Target2}}) {
    torch::serialize::InputArchive Part;
    Archive.read(Name, Part);
    (*Net)->load(Part);
  }
  torch::serialize::InputArchive CriticState, AlphaState;
  Archive.read("critic_optimizer", CriticState);
  Archive.read("alpha_optimizer", AlphaState);
  CriticOptimizer->load(CriticState);
  AlphaOptimizer->load(AlphaState);
  torch::Tensor Saved;
  Archive.read("log_alpha", Saved);
  torch::NoGradGuard NoGrad;
  LogAlpha.copy_(Saved);
}

CheckpointContents SacTrainer::checkpoint() const {
  CheckpointContents C;
  C.Network = Actor;
  C.Optimizer = ActorOptimizer.get();
  C.Vocab = Vocab;
  C.Counters = Counters;
  C.Training.Algorithm = "sac";
  C.Training.EpisodeLength = Options.EpisodeLength;
  C.TrainerState = archiveBytes(
      [this](torch::serialize::OutputArchive &A) { saveState(A); });
  return C;
}

llvm::Error SacTrainer::resume(LoadedCheckpoint Saved) {
  if (Saved.Training.Algorithm != "sac")
    return llvm::createStringError("cannot resume SAC from a '" +
                                   Saved.Training.Algorithm + "' checkpoint");
  if (!Saved.Optimizer || Saved.TrainerState.empty())
    return llvm::createStringError(
        "cannot resume: the checkpoint has no SAC critics or optimizer state");
  Actor = Saved.Network;
  ActorOptimizer = std::move(Saved.Optimizer);
  try {
    torch::serialize::InputArchive Archive;
    loadArchive(Saved.TrainerState, Archive);
    loadState(Archive);
  } catch (const c10::Error &E) {
    std::string Message = E.what();
    return llvm::createStringError(
        "cannot resume: the SAC state is unreadable: " +
        Message.substr(0, Message.find('\n')));
  }
  Counters = Saved.Counters;
  torch::manual_seed(Options.Seed + static_cast<uint64_t>(Counters.Iteration));
  Rng.seed(Options.Seed + static_cast<uint64_t>(Counters.Iteration));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Acting
//===----------------------------------------------------------------------===//

ReplayBuffer::State SacTrainer::currentState() {
  return Current.get(Episodes->observation(), Episodes->observationVersion(),
                     Vocab, Batching);
}

int64_t SacTrainer::chooseAction(const ReplayBuffer::State &S,
                                 int64_t StepsSinceStart) {
  if (StepsSinceStart < Options.LearningStarts)
    return std::uniform_int_distribution<int64_t>(0, Episodes->numActions() -
                                                         1)(Rng);
  torch::NoGradGuard NoGrad;
  torch::Tensor Logits = Actor->forward(*S).Logits[0];
  return torch::multinomial(torch::softmax(Logits, -1), 1).item<int64_t>();
}

//===----------------------------------------------------------------------===//
// Update
//===----------------------------------------------------------------------===//

SacLosses SacTrainer::update() {
  std::vector<const ReplayBuffer::Transition *> Batch =
      Buffer.sample(Options.BatchSize, Rng);
  std::vector<const GraphBatch *> States, NextStates;
  std::vector<int64_t> Actions;
  std::vector<float> Rewards, Terminated;
  for (const ReplayBuffer::Transition *T : Batch) {
    States.push_back(T->Observation.get());
    NextStates.push_back(T->NextObservation.get());
    Actions.push_back(T->Action);
    Rewards.push_back(T->Reward);
    Terminated.push_back(T->Terminated);
  }
  GraphBatch S = concatBatches(States);
  GraphBatch Next = concatBatches(NextStates);

  SacBatch In;
  In.Actions = torch::tensor(Actions, torch::kInt64);
  In.Rewards = torch::tensor(Rewards, torch::kFloat32);
  In.Terminated = torch::tensor(Terminated, torch::kFloat32);
  {
    torch::NoGradGuard NoGrad;
    In.NextLogits = Actor->forward(Next).Logits;
    In.NextQ1Target = Target1->forward(Next).Q;
    In.NextQ2Target = Target2->forward(Next).Q;
  }
  In.Logits = Actor->forward(S).Logits;
  In.Q1 = Critic1->forward(S).Q;
  In.Q2 = Critic2->forward(S).Q;
  In.LogAlpha = LogAlpha;
  SacLosses L = sacLosses(In, Options.Sac);

  CriticOptimizer->zero_grad();
  L.Critic.backward();
  CriticOptimizer->step();

  ActorOptimizer->zero_grad();
  L.Actor.backward();
  ActorOptimizer->step();

  if (Options.Autotune) {
    AlphaOptimizer->zero_grad();
    L.Alpha.backward();
    AlphaOptimizer->step();
  }

  polyakUpdate(*Target1, *Critic1, Options.Sac.Tau);
  polyakUpdate(*Target2, *Critic2, Options.Sac.Tau);
  return L;
}

//===----------------------------------------------------------------------===//
// The loop
//===----------------------------------------------------------------------===//

std::vector<std::pair<std::string, double>>
SacIterationMetrics::fields() const {
  return {{"iteration", static_cast<double>(Iteration)},
          {"global_step", static_cast<double>(GlobalStep)},
          {"episodes", static_cast<double>(Episodes)},
          {"mean_episode_return", MeanEpisodeReturn},
          {"updates", static_cast<double>(Updates)},
          {"critic_loss", CriticLoss},
          {"actor_loss", ActorLoss},
          {"alpha_loss", AlphaLoss},
          {"alpha", Alpha},
          {"entropy", Entropy},
          {"mean_target", MeanTarget},
          {"steps_per_second", StepsPerSecond}};
}

llvm::Expected<std::vector<SacIterationMetrics>>
SacTrainer::train(const Callback &OnIteration) {
  std::vector<SacIterationMetrics> All;
  while (Counters.Iteration < iterations()) {
    auto Start = std::chrono::steady_clock::now();
    std::vector<double> Returns;
    std::vector<double> CriticLoss, ActorLoss, AlphaLoss, Alpha, Entropy,
        Target;
    for (int64_t I = 0; I < Options.StepsPerIteration; ++I) {
      if (llvm::Error E = Episodes->ensureEpisode())
        return E;
      ReplayBuffer::State S = currentState();
      int64_t Action = chooseAction(S, LocalSteps);
      auto Step = Episodes->step(Action);
      if (!Step)
        return Step.takeError();
      ++LocalSteps;
      ++Counters.GlobalStep;
      // A terminated transition has no next state; any graph will do, the
      // target masks it.
      ReplayBuffer::State Next = Step->Terminated ? S : currentState();
      Buffer.add({S, Next, Action, static_cast<float>(Step->Reward),
                  Step->Terminated ? 1.0f : 0.0f});
      if (Step->EpisodeReturn)
        Returns.push_back(*Step->EpisodeReturn);

      if (LocalSteps <= Options.LearningStarts ||
          LocalSteps % Options.UpdateFrequency != 0)
        continue;
      SacLosses L = update();
      CriticLoss.push_back(L.Critic.item<double>());
      ActorLoss.push_back(L.Actor.item<double>());
      AlphaLoss.push_back(L.Alpha.item<double>());
      Alpha.push_back(L.AlphaValue.item<double>());
      Entropy.push_back(L.Entropy.item<double>());
      Target.push_back(L.Target.mean().item<double>());
    }

    SacIterationMetrics M;
    M.Iteration = Counters.Iteration;
    M.GlobalStep = Counters.GlobalStep;
    M.Episodes = static_cast<int64_t>(Returns.size());
    M.MeanEpisodeReturn = meanOrNaN(Returns);
    M.Updates = static_cast<int64_t>(CriticLoss.size());
    M.CriticLoss = meanOrNaN(CriticLoss);
    M.ActorLoss = meanOrNaN(ActorLoss);
    M.AlphaLoss = meanOrNaN(AlphaLoss);
    M.Alpha = meanOrNaN(Alpha);
    M.Entropy = meanOrNaN(Entropy);
    M.MeanTarget = meanOrNaN(Target);
    ++Counters.Iteration;
    std::chrono::duration<double> Elapsed =
        std::chrono::steady_clock::now() - Start;
    M.StepsPerSecond =
        Options.StepsPerIteration / std::max(Elapsed.count(), 1e-9);
    if (OnIteration)
      if (llvm::Error E = OnIteration(M))
        return E;
    All.push_back(M);
  }
  return All;
}

} // namespace passgym::learning
