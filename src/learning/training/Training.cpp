//===- learning/training/Training.cpp - What `passgym train` does ---------===//
#include "learning/training/Training.h"

#include "actions/ActionSpace.h"
#include "costs/Measurement.h"
#include "datasets/DatasetSpec.h"
#include "learning/algorithms/Episodes.h"
#include "learning/algorithms/Ppo.h"
#include "learning/algorithms/Sac.h"
#include "learning/training/Checkpoint.h"
#include "support/Statistics.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <random>

namespace passgym::learning {
namespace {

using Fields = std::vector<std::pair<std::string, double>>;

std::string join(const std::string &Dir, const std::string &Name) {
  llvm::SmallString<256> P(Dir);
  llvm::sys::path::append(P, Name);
  return std::string(P);
}

/// One row per iteration, flushed at once so that an interrupted run keeps
/// every finished iteration. A resumed run appends to the same file.
class MetricsFile {
public:
  static llvm::Expected<std::unique_ptr<MetricsFile>>
  open(const std::string &Path, bool Jsonl) {
    bool Fresh = !llvm::sys::fs::exists(Path);
    std::error_code EC;
    auto Out = std::make_unique<llvm::raw_fd_ostream>(Path, EC,
                                                      llvm::sys::fs::OF_Append);
    if (EC)
      return llvm::createStringError("cannot write metrics to '" + Path +
                                     "': " + EC.message());
    return std::unique_ptr<MetricsFile>(
        new MetricsFile(std::move(Out), Jsonl, Fresh));
  }

  void write(const Fields &Row) {
    if (Jsonl) {
      nlohmann::json J = nlohmann::json::object();
      for (auto &[Name, Value] : Row)
        J[Name] = std::isfinite(Value) ? nlohmann::json(Value)
                                       : nlohmann::json(nullptr);
      *Out << J.dump() << "\n";
    } else {
      if (NeedsHeader) {
        for (size_t I = 0; I < Row.size(); ++I)
          *Out << (I ? "," : "") << Row[I].first;
        *Out << "\n";
        NeedsHeader = false;
      }
      for (size_t I = 0; I < Row.size(); ++I)
        *Out << (I ? "," : "") << formatValue(Row[I].second);
      *Out << "\n";
    }
    Out->flush();
  }

private:
  MetricsFile(std::unique_ptr<llvm::raw_fd_ostream> Out, bool Jsonl, bool Fresh)
      : Out(std::move(Out)), Jsonl(Jsonl), NeedsHeader(Fresh) {}

  static std::string formatValue(double V) {
    if (std::isnan(V))
      return "nan";
    if (V == std::floor(V) && std::abs(V) < 1e15)
      return std::to_string(static_cast<int64_t>(V));
    char Buffer[32];
    std::snprintf(Buffer, sizeof(Buffer), "%.6g", V);
    return Buffer;
  }

  std::unique_ptr<llvm::raw_fd_ostream> Out;
  bool Jsonl;
  bool NeedsHeader;
};

struct RandomIterationMetrics {
  int64_t Iteration = 0;
  int64_t GlobalStep = 0;
  int64_t Episodes = 0;
  double MeanEpisodeReturn = 0;
  double StepsPerSecond = 0;

  Fields fields() const {
    return {{"iteration", static_cast<double>(Iteration)},
            {"global_step", static_cast<double>(GlobalStep)},
            {"episodes", static_cast<double>(Episodes)},
            {"mean_episode_return", MeanEpisodeReturn},
            {"steps_per_second", StepsPerSecond}};
  }
};

/// The uniformly random policy on the same episodes, with the same metrics
/// rows: the baseline a learned policy must beat.
class RandomBaseline {
public:
  RandomBaseline(std::unique_ptr<ParallelEpisodes> Episodes,
                 const RunSchedule &Schedule)
      : Episodes(std::move(Episodes)), Schedule(Schedule), Rng(Schedule.Seed) {}

  llvm::Error train(
      const std::function<void(const RandomIterationMetrics &)> &OnIteration) {
    std::uniform_int_distribution<int64_t> Pick(0, Episodes->numActions() - 1);
    const int64_t Steps = Schedule.StepsPerIteration;
    for (int64_t Iteration = 0; Iteration < Schedule.iterations();
         ++Iteration) {
      auto Start = std::chrono::steady_clock::now();
      std::vector<double> Returns;
      for (int64_t I = 0; I < Schedule.stepsPerEnvironment(); ++I) {
        std::vector<int64_t> Actions(Episodes->size());
        for (int64_t &Action : Actions)
          Action = Pick(Rng);
        auto Stepped = Episodes->step(Actions);
        if (!Stepped)
          return Stepped.takeError();
        for (const EpisodeStep &S : *Stepped)
          if (S.EpisodeReturn)
            Returns.push_back(*S.EpisodeReturn);
      }
      GlobalStep += Steps;
      std::chrono::duration<double> Elapsed =
          std::chrono::steady_clock::now() - Start;
      OnIteration({Iteration, GlobalStep, static_cast<int64_t>(Returns.size()),
                   meanOrNaN(Returns),
                   Steps / std::max(Elapsed.count(), 1e-9)});
    }
    return llvm::Error::success();
  }

private:
  std::unique_ptr<ParallelEpisodes> Episodes;
  RunSchedule Schedule;
  std::mt19937_64 Rng;
  int64_t GlobalStep = 0;
};

/// Each benchmark's initial module and the modules after a few random
/// actions, as \p Kind observes them: their node texts make the vocabulary
/// (so that texts passes introduce, such as phi, select or vector types, are
/// known too) and their Autophase vectors the normalizer's statistics.
llvm::Expected<std::vector<Observation>>
observeTrainingModules(const std::vector<BenchmarkPtr> &Benchmarks,
                       const std::shared_ptr<const ActionSpace> &Space,
                       uint64_t Seed, StateKind Kind) {
  auto Env = Environment::create({Space, "", "IrInstructionCount"});
  if (!Env)
    return Env.takeError();
  std::mt19937_64 Rng(Seed);
  std::uniform_int_distribution<size_t> Pick(0, Space->size() - 1);
  std::vector<Observation> Observations;
  for (const BenchmarkPtr &B : Benchmarks) {
    if (auto R = (*Env)->reset(B); !R)
      return R.takeError();
    for (int Round = 0; Round < 3; ++Round) {
      auto M = (*Env)->module();
      if (!M)
        return M.takeError();
      auto O = observe(*M, Kind);
      if (!O)
        return O.takeError();
      Observations.push_back(std::move(*O));
      for (int Step = 0; Step < 10; ++Step) {
        auto S = (*Env)->step(Pick(Rng));
        if (!S)
          return S.takeError();
        if (S->Done)
          break;
      }
      if ((*Env)->done())
        break;
    }
  }
  return Observations;
}

llvm::Error checkOptions(const TrainRunOptions &O) {
  const RunSchedule &S = O.Schedule;
  if (S.TotalSteps < 1 || S.EpisodeLength < 1 || S.StepsPerIteration < 1 ||
      O.Network.HiddenSize < 1 || O.Network.Layers < 1 || O.CheckpointEvery < 1)
    return llvm::createStringError(
        "steps, episode length, iteration steps, hidden size, layers and "
        "checkpoint interval must be positive");
  if (O.OutputDirectory.empty())
    return llvm::createStringError("no output directory");
  if (S.Environments < 1 || S.StepsPerIteration % S.Environments != 0)
    return llvm::createStringError(
        "--envs " + std::to_string(S.Environments) +
        " must be positive and divide --iteration-steps " +
        std::to_string(S.StepsPerIteration));
  if (O.Cpu && S.Environments > 1)
    return llvm::createStringError(
        "--cpu pins every environment's measured runs to one CPU, where "
        "--envs " +
        std::to_string(S.Environments) +
        " environments would time-share it: use one of the two");
  return llvm::Error::success();
}

/// Everything a run shares between the agents.
struct Run {
  Run(const TrainRunOptions &Options, std::string RewardSpace)
      : Options(Options), RewardSpace(std::move(RewardSpace)) {}

  const TrainRunOptions &Options;
  std::string RewardSpace;
  std::shared_ptr<const ActionSpace> Space;
  std::vector<BenchmarkPtr> Benchmarks;
  StateEncoding Encoding;
  std::optional<CheckpointContents> Saved;
  std::string CheckpointPath;
  std::unique_ptr<MetricsFile> Metrics;
  TrainSummary Summary;
};

llvm::Error saveRunCheckpoint(Run &R, CheckpointContents C) {
  C.ActionSpace = identityOf(*R.Space);
  C.RewardSpace = R.RewardSpace;
  llvm::Error Failed = saveCheckpoint(R.CheckpointPath, C);
  if (!Failed)
    return Failed;
  // Training stops; what it learned is saved where it can be (a directory
  // that outlives this process), and the error says where.
  llvm::SmallString<256> Rescue;
  if (llvm::sys::fs::createUniqueDirectory("passgym-rescued", Rescue))
    return Failed;
  std::string Where = std::string(Rescue) + "/checkpoint";
  if (llvm::Error E = saveCheckpoint(Where, C)) {
    llvm::consumeError(std::move(E));
    return Failed;
  }
  return llvm::createStringError(llvm::toString(std::move(Failed)) +
                                 "; what was trained is saved in '" + Where +
                                 "'");
}

/// Writes one iteration's metrics row and updates the summary and progress.
template <typename MetricsT>
void recordIteration(
    Run &R, const MetricsT &M, int64_t Iterations,
    const std::function<void(const TrainProgress &)> &Progress) {
  R.Metrics->write(M.fields());
  if (R.Summary.Iterations == 0) { // The first iteration of this process.
    R.Summary.FirstIteration = M.Iteration;
    R.Summary.FirstReturn = M.MeanEpisodeReturn;
  }
  R.Summary.LastReturn = M.MeanEpisodeReturn;
  R.Summary.GlobalStep = M.GlobalStep;
  R.Summary.Iterations = M.Iteration + 1;
  if (Progress)
    Progress({M.Iteration + 1, Iterations, M.GlobalStep, M.MeanEpisodeReturn});
}

/// Creates a TrainerT (PpoTrainer or SacTrainer) and runs it to the end,
/// writing metrics and checkpoints.
template <typename TrainerT, typename OptionsT>
llvm::Error
trainAgent(Run &R, const EnvironmentOptions &Env, const OptionsT &Options,
           const std::function<void(const TrainProgress &)> &Progress) {
  auto Created = TrainerT::create(R.Benchmarks, Env, R.Encoding, Options);
  if (!Created)
    return Created.takeError();
  TrainerT &Trainer = **Created;
  R.Summary.CheckpointPath = R.CheckpointPath;
  if (R.Saved)
    if (llvm::Error E = Trainer.resume(*R.Saved))
      return E;
  auto Metrics = Trainer.train([&](const auto &M) -> llvm::Error {
    recordIteration(R, M, Trainer.options().Run.iterations(), Progress);
    if ((M.Iteration + 1) % R.Options.CheckpointEvery != 0)
      return llvm::Error::success();
    return saveRunCheckpoint(R, Trainer.checkpoint());
  });
  if (!Metrics)
    return Metrics.takeError();
  return saveRunCheckpoint(R, Trainer.checkpoint());
}

llvm::Error prepareCheckpoint(Run &R) {
  const TrainRunOptions &O = R.Options;
  bool Exists = llvm::sys::fs::exists(R.CheckpointPath);
  if (O.Agent == Agent::Random)
    return llvm::Error::success();
  if (O.Resume && !Exists)
    return llvm::createStringError("nothing to resume: '" + R.CheckpointPath +
                                   "' does not exist");
  if (!O.Resume && Exists)
    return llvm::createStringError(
        "'" + R.CheckpointPath +
        "' already holds a checkpoint: pass --resume to continue it, or "
        "choose another --output");
  if (!O.Resume)
    return llvm::Error::success();

  CheckpointExpectations Expected;
  Expected.ActionSpace = identityOf(*R.Space);
  if (!O.VocabularyFile.empty())
    Expected.Vocab = R.Encoding.Vocab;
  auto Saved = loadCheckpoint(R.CheckpointPath, Expected);
  if (!Saved)
    return Saved.takeError();
  auto Mismatch = [&](const std::string &What, const std::string &Theirs,
                      const std::string &Ours) {
    return llvm::createStringError("cannot resume '" + R.CheckpointPath +
                                   "': it was trained with " + What + " " +
                                   Theirs + ", this run asks for " + Ours);
  };
  if (Saved->Algorithm != O.Agent)
    return Mismatch("--agent", nameOf(kAgentNames, Saved->Algorithm),
                    nameOf(kAgentNames, O.Agent));
  if (Saved->RewardSpace != R.RewardSpace)
    return Mismatch("the reward", Saved->RewardSpace, R.RewardSpace);
  if (Saved->EpisodeLength != O.Schedule.EpisodeLength)
    return Mismatch("--episode-length", std::to_string(Saved->EpisodeLength),
                    std::to_string(O.Schedule.EpisodeLength));
  if (Saved->StartFrom != O.Schedule.StartFrom)
    return Mismatch("--start-from", nameOf(kStartFromNames, Saved->StartFrom),
                    nameOf(kStartFromNames, O.Schedule.StartFrom));
  StateKind SavedState = Saved->Policy->Options.State;
  if (SavedState != O.Network.State)
    return Mismatch("--state", nameOf(kStateKindNames, SavedState),
                    nameOf(kStateKindNames, O.Network.State));
  R.Encoding.Vocab = Saved->Vocab;
  R.Encoding.Normalizer = Saved->Normalizer;
  R.Saved = std::move(*Saved);
  return llvm::Error::success();
}

/// A fresh run's vocabulary (unless --vocabulary gave one) and, for a
/// state with Autophase features, the normalizer fitted on the same
/// modules.
llvm::Error prepareInputs(Run &R) {
  const TrainRunOptions &O = R.Options;
  R.Encoding.Kind = O.Network.State;
  bool NeedVocabulary = O.VocabularyFile.empty() && hasGraph(O.Network.State);
  if (!NeedVocabulary && !hasAutophase(O.Network.State))
    return llvm::Error::success();
  auto Observations = observeTrainingModules(R.Benchmarks, R.Space,
                                             O.Schedule.Seed, O.Network.State);
  if (!Observations)
    return Observations.takeError();
  std::vector<const graph::ProgramGraph *> Graphs;
  std::vector<std::vector<int64_t>> Autophase;
  for (const Observation &Seen : *Observations) {
    if (Seen.Graph)
      Graphs.push_back(&*Seen.Graph);
    if (hasAutophase(O.Network.State))
      Autophase.push_back(Seen.Autophase);
  }
  if (NeedVocabulary)
    R.Encoding.Vocab = Vocabulary::build(Graphs);
  if (Autophase.empty())
    return llvm::Error::success();
  auto Normalizer = AutophaseNormalizer::fit(Autophase);
  if (!Normalizer)
    return Normalizer.takeError();
  R.Encoding.Normalizer = std::move(*Normalizer);
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::string> rewardSpaceFor(const std::string &Reward) {
  if (Reward == "instcount")
    return std::string("IrInstructionCountOz");
  if (Reward == "codesize")
    return std::string("ObjectTextSizeBytesOz");
  if (Reward == "runtime")
    return std::string("RuntimeO3");
  return llvm::createStringError("unknown reward '" + Reward +
                                 "': use instcount, codesize or runtime");
}

llvm::Expected<TrainSummary>
runTraining(const TrainRunOptions &O,
            const std::function<void(const TrainProgress &)> &Progress) {
  auto Start = std::chrono::steady_clock::now();
  if (llvm::Error E = checkOptions(O))
    return E;
  auto RewardSpace = rewardSpaceFor(O.Reward);
  if (!RewardSpace)
    return RewardSpace.takeError();
  Run R(O, *RewardSpace);
  R.Summary.RewardSpace = *RewardSpace;

  auto Space = ActionSpace::load(O.ActionsFile);
  if (!Space)
    return Space.takeError();
  R.Space = std::move(*Space);
  auto Benchmarks = loadDataset(O.Datasets);
  if (!Benchmarks)
    return Benchmarks.takeError();
  R.Benchmarks = std::move(*Benchmarks);
  R.Summary.Benchmarks = R.Benchmarks.size();

  if (std::error_code EC = llvm::sys::fs::create_directories(O.OutputDirectory))
    return llvm::createStringError("cannot create '" + O.OutputDirectory +
                                   "': " + EC.message());
  R.CheckpointPath = join(O.OutputDirectory, "checkpoint");
  if (!O.VocabularyFile.empty()) {
    auto V = Vocabulary::load(O.VocabularyFile);
    if (!V)
      return V.takeError();
    R.Encoding.Vocab = std::move(*V);
  }
  if (llvm::Error E = prepareCheckpoint(R))
    return E;
  if (O.Agent != Agent::Random && !R.Saved)
    if (llvm::Error E = prepareInputs(R))
      return E;
  if (O.Agent != Agent::Random)
    if (llvm::Error E =
            R.Encoding.Vocab.save(join(O.OutputDirectory, "vocabulary.json")))
      return E;
  R.Summary.VocabularySize = R.Encoding.Vocab.size();

  R.Summary.MetricsPath =
      join(O.OutputDirectory, O.Jsonl ? "metrics.jsonl" : "metrics.csv");
  auto Metrics = MetricsFile::open(R.Summary.MetricsPath, O.Jsonl);
  if (!Metrics)
    return Metrics.takeError();
  R.Metrics = std::move(*Metrics);

  MeasurementOptions Measure;
  Measure.Cpu = O.Cpu;
  EnvironmentOptions Env{R.Space, "", R.RewardSpace,
                         std::make_shared<MeasurementContext>(Measure)};
  NetworkOptions Network = R.Saved ? R.Saved->Policy->Options : O.Network;
  llvm::Error Trained = llvm::Error::success();
  switch (O.Agent) {
  case Agent::Ppo: {
    PpoOptions P;
    P.Run = O.Schedule;
    P.Network = Network;
    P.LearningRate = O.LearningRate.value_or(P.LearningRate);
    Trained = trainAgent<PpoTrainer>(R, Env, P, Progress);
    break;
  }
  case Agent::Sac: {
    SacOptions S;
    S.Run = O.Schedule;
    S.Network = Network;
    if (O.LearningRate)
      S.PolicyLearningRate = S.QLearningRate = *O.LearningRate;
    Trained = trainAgent<SacTrainer>(R, Env, S, Progress);
    break;
  }
  case Agent::Random: {
    auto Episodes = ParallelEpisodes::create(R.Benchmarks, Env, O.Schedule,
                                             O.Network.State);
    if (!Episodes)
      return Episodes.takeError();
    RandomBaseline Baseline(std::move(*Episodes), O.Schedule);
    Trained = Baseline.train([&](const RandomIterationMetrics &M) {
      recordIteration(R, M, O.Schedule.iterations(), Progress);
    });
    break;
  }
  }
  if (Trained)
    return Trained;
  R.Summary.Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  return R.Summary;
}

} // namespace passgym::learning
