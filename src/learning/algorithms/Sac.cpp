//===- learning/algorithms/Sac.cpp - Discrete soft actor-critic -----------===//
//
// Read top to bottom like CleanRL's sac_atari.py: setup (create),
// checkpoints, acting
// (chooseAction), the loop that fills the replay buffer (train), and the
// update (update). One deviation: the actor's loss uses the critics' values
// from before this update's critic step, saving two graph-network forward
// passes per update.
//
//===----------------------------------------------------------------------===//
#include "learning/algorithms/Sac.h"

#include "learning/networks/Serialization.h"
#include "learning/support/Messages.h"
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

int64_t SacOptions::learningStarts() const {
  return std::min<int64_t>(
      LearningStarts,
      static_cast<int64_t>(Run.TotalSteps * MaxLearningStartsFraction));
}

llvm::Expected<std::unique_ptr<SacTrainer>>
SacTrainer::create(std::vector<BenchmarkPtr> Benchmarks, EnvironmentOptions Env,
                   StateEncoding Encoding, SacOptions Options) {
  if (Options.BufferSize < 1 || Options.BatchSize < 1 ||
      Options.UpdateFrequency < 1 || Options.LearningStarts < 0)
    return llvm::createStringError(
        "SAC: buffer size, batch size and update frequency must be positive, "
        "learning starts non-negative");
  if (hasAutophase(Options.Network.State) && !Encoding.Normalizer)
    return llvm::createStringError(
        "SAC: a state with Autophase features needs a normalizer");
  auto Episodes = ParallelEpisodes::create(std::move(Benchmarks),
                                           std::move(Env), Options.Run,
                                           Options.Network.State);
  if (!Episodes)
    return Episodes.takeError();
  return std::unique_ptr<SacTrainer>(new SacTrainer(
      std::move(*Episodes), std::move(Encoding), std::move(Options)));
}

SacTrainer::SacTrainer(std::unique_ptr<ParallelEpisodes> Episodes,
                       StateEncoding Encoding, SacOptions Options)
    : Episodes(std::move(Episodes)), Encoding(std::move(Encoding)),
      Options(std::move(Options)), Rng(this->Options.Run.Seed),
      Buffer(this->Options.BufferSize), Current(this->Episodes->size()) {
  torch::manual_seed(this->Options.Run.Seed);
  NetworkOptions &Net = this->Options.Network;
  Net.VocabularySize = static_cast<int64_t>(this->Encoding.Vocab.size());
  Net.NumActions = this->Episodes->numActions();
  this->Encoding.Kind = Net.State;
  this->Encoding.Batching.MaxPosition = Net.MaxPosition;

  ActorNet = Actor(Net);
  Critic1 = Critic(Net);
  Critic2 = Critic(Net);
  // Targets start as copies of the critics.
  Target1 = Critic(Net);
  Target2 = Critic(Net);
  polyakUpdate(*Target1, *Critic1, 1.0);
  polyakUpdate(*Target2, *Critic2, 1.0);
  LogAlpha = torch::full({1}, std::log(this->Options.InitialAlpha),
                         torch::requires_grad());

  auto Adam = [this](std::vector<torch::Tensor> Parameters, double Rate) {
    return std::make_unique<torch::optim::Adam>(
        std::move(Parameters),
        torch::optim::AdamOptions(Rate).eps(this->Options.AdamEps));
  };
  ActorOptimizer =
      Adam(ActorNet->parameters(), this->Options.PolicyLearningRate);
  std::vector<torch::Tensor> CriticParameters = Critic1->parameters();
  for (const torch::Tensor &P : Critic2->parameters())
    CriticParameters.push_back(P);
  CriticOptimizer = Adam(CriticParameters, this->Options.QLearningRate);
  AlphaOptimizer = Adam({LogAlpha}, this->Options.QLearningRate);
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
  for (auto [Name, Optimizer] : {std::pair{"actor_optimizer", &ActorOptimizer},
                                 {"critic_optimizer", &CriticOptimizer},
                                 {"alpha_optimizer", &AlphaOptimizer}}) {
    torch::serialize::OutputArchive Part;
    (*Optimizer)->save(Part);
    Archive.write(Name, Part);
  }
  Archive.write("log_alpha", LogAlpha.detach());
}

llvm::Error SacTrainer::loadState(torch::serialize::InputArchive &Archive) {
  for (auto [Name, Net] : {std::pair{"critic1", &Critic1},
                           {"critic2", &Critic2},
                           {"target1", &Target1},
                           {"target2", &Target2}})
    if (llvm::Error E = loadModule(**Net, Archive, Name))
      return E;
  try {
    for (auto [Name, Optimizer] :
         {std::pair{"actor_optimizer", &ActorOptimizer},
          {"critic_optimizer", &CriticOptimizer},
          {"alpha_optimizer", &AlphaOptimizer}}) {
      torch::serialize::InputArchive Part;
      Archive.read(Name, Part);
      (*Optimizer)->load(Part);
    }
    torch::Tensor Saved;
    Archive.read("log_alpha", Saved);
    torch::NoGradGuard NoGrad;
    LogAlpha.copy_(Saved);
  } catch (const c10::Error &E) {
    return llvm::createStringError(firstLine(E.what()));
  }
  return llvm::Error::success();
}

CheckpointContents SacTrainer::checkpoint() const {
  CheckpointContents C;
  C.Algorithm = Agent::Sac;
  C.EpisodeLength = Options.Run.EpisodeLength;
  C.StartFrom = Options.Run.StartFrom;
  C.Policy = ActorNet;
  C.TrainerState = archiveBytes(
      [this](torch::serialize::OutputArchive &A) { saveState(A); });
  C.Vocab = Encoding.Vocab;
  C.Normalizer = Encoding.Normalizer;
  C.Counters = Counters;
  return C;
}

llvm::Error SacTrainer::resume(const CheckpointContents &Saved) {
  if (Saved.Algorithm != Agent::Sac)
    return llvm::createStringError(std::string("cannot resume SAC from a '") +
                                   nameOf(kAgentNames, Saved.Algorithm) +
                                   "' checkpoint");
  torch::serialize::InputArchive Archive;
  llvm::Error Loaded = copyParameters(*ActorNet, *Saved.Policy);
  if (!Loaded)
    Loaded = loadArchive(Saved.TrainerState, Archive);
  if (!Loaded)
    Loaded = loadState(Archive);
  if (Loaded)
    return llvm::createStringError("cannot resume SAC: " +
                                   llvm::toString(std::move(Loaded)));
  Counters = Saved.Counters;
  torch::manual_seed(Options.Run.Seed +
                     static_cast<uint64_t>(Counters.Iteration));
  Rng.seed(Options.Run.Seed + static_cast<uint64_t>(Counters.Iteration));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Acting
//===----------------------------------------------------------------------===//

ReplayBuffer::State SacTrainer::currentState(size_t Env) {
  return Current[Env].get(Episodes->observation(Env),
                          Episodes->observationVersion(Env), Encoding);
}

std::vector<int64_t>
SacTrainer::chooseActions(const std::vector<ReplayBuffer::State> &S) {
  std::vector<int64_t> Actions(S.size());
  if (LocalSteps < Options.learningStarts()) {
    std::uniform_int_distribution<int64_t> Pick(0, Episodes->numActions() - 1);
    for (int64_t &Action : Actions)
      Action = Pick(Rng);
    return Actions;
  }
  torch::NoGradGuard NoGrad;
  std::vector<const StateBatch *> Batch;
  for (const ReplayBuffer::State &State : S)
    Batch.push_back(State.get());
  torch::Tensor Logits = ActorNet->forward(concatStates(Batch));
  torch::Tensor Sampled = torch::multinomial(torch::softmax(Logits, -1), 1);
  std::copy_n(Sampled.data_ptr<int64_t>(), S.size(), Actions.begin());
  return Actions;
}

//===----------------------------------------------------------------------===//
// Update
//===----------------------------------------------------------------------===//

SacLosses SacTrainer::update() {
  std::vector<const ReplayBuffer::Transition *> Batch =
      Buffer.sample(Options.BatchSize, Rng);
  std::vector<const StateBatch *> States, NextStates;
  std::vector<int64_t> Actions;
  std::vector<float> Rewards, Terminated;
  for (const ReplayBuffer::Transition *T : Batch) {
    States.push_back(T->Observation.get());
    NextStates.push_back(T->NextObservation.get());
    Actions.push_back(T->Action);
    Rewards.push_back(T->Reward);
    Terminated.push_back(T->Terminated);
  }
  StateBatch S = concatStates(States);
  StateBatch Next = concatStates(NextStates);

  SacBatch In;
  In.Actions = torch::tensor(Actions, torch::kInt64);
  In.Rewards = torch::tensor(Rewards, torch::kFloat32);
  In.Terminated = torch::tensor(Terminated, torch::kFloat32);
  {
    torch::NoGradGuard NoGrad;
    In.NextLogits = ActorNet->forward(Next);
    In.NextQ1Target = Target1->forward(Next);
    In.NextQ2Target = Target2->forward(Next);
  }
  In.Logits = ActorNet->forward(S);
  In.Q1 = Critic1->forward(S);
  In.Q2 = Critic2->forward(S);
  In.LogAlpha = LogAlpha;
  SacLosses L = sacLosses(In, Options);

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

  polyakUpdate(*Target1, *Critic1, Options.Tau);
  polyakUpdate(*Target2, *Critic2, Options.Tau);
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
  const int64_t Warmup = Options.learningStarts();
  while (Counters.Iteration < Options.Run.iterations()) {
    auto Start = std::chrono::steady_clock::now();
    std::vector<double> Returns;
    std::vector<double> CriticLoss, ActorLoss, AlphaLoss, Alpha, Entropy,
        Target;
    for (int64_t I = 0; I < Options.Run.stepsPerEnvironment(); ++I) {
      if (llvm::Error E = Episodes->ensureEpisodes())
        return E;
      std::vector<ReplayBuffer::State> States;
      for (size_t Env = 0; Env < Episodes->size(); ++Env)
        States.push_back(currentState(Env));
      std::vector<int64_t> Actions = chooseActions(States);
      auto Steps = Episodes->step(Actions);
      if (!Steps)
        return Steps.takeError();

      // Each environment's step counts as one: an update every
      // UpdateFrequency of them, whatever the number of environments.
      for (size_t Env = 0; Env < States.size(); ++Env) {
        const EpisodeStep &Step = (*Steps)[Env];
        ++LocalSteps;
        ++Counters.GlobalStep;
        // A terminated transition has no next state; any graph will do, the
        // target masks it.
        ReplayBuffer::State Next =
            Step.Terminated ? States[Env] : currentState(Env);
        Buffer.add({States[Env], Next, Actions[Env],
                    static_cast<float>(Step.Reward),
                    Step.Terminated ? 1.0f : 0.0f});
        if (Step.EpisodeReturn)
          Returns.push_back(*Step.EpisodeReturn);

        if (LocalSteps <= Warmup || LocalSteps % Options.UpdateFrequency != 0)
          continue;
        SacLosses L = update();
        CriticLoss.push_back(L.Critic.item<double>());
        ActorLoss.push_back(L.Actor.item<double>());
        AlphaLoss.push_back(L.Alpha.item<double>());
        Alpha.push_back(L.AlphaValue.item<double>());
        Entropy.push_back(L.Entropy.item<double>());
        Target.push_back(L.Target.mean().item<double>());
      }
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
        Options.Run.StepsPerIteration / std::max(Elapsed.count(), 1e-9);
    if (OnIteration)
      if (llvm::Error E = OnIteration(M))
        return E;
    All.push_back(M);
  }
  return All;
}

} // namespace passgym::learning
