//===- learning/Training.cpp - What `passgym train` does ------------------===//
#include "learning/training/Training.h"

#include "actions/ActionSpace.h"
#include "datasets/DatasetSpec.h"
#include "graph/LlvmGraphBuilder.h"
#include "learning/training/Checkpoint.h"
#include "learning/algorithms/Episodes.h"
#include "learning/algorithms/Ppo.h"
#include "learning/algorithms/Sac.h"
#include "runtime/Evaluate.h"
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
  RandomBaseline(std::unique_ptr<EpisodeRunner> Episodes, int64_t Steps,
                 int64_t IterationSteps, uint64_t Seed)
      : Episodes(std::move(Episodes)), Steps(Steps),
        IterationSteps(IterationSteps), Rng(Seed) {}

  int64_t iterations() const {
    return std::max<int64_t>(1, Steps / IterationSteps);
  }

  llvm::Error train(
      const std::function<void(const RandomIterationMetrics &)> &OnIteration) {
    std::uniform_int_distribution<int64_t> Pick(0, Episodes->numActions() - 1);
    for (int64_t Iteration = 0; Iteration < iterations(); ++Iteration) {
      auto Start = std::chrono::steady_clock::now();
      std::vector<double> Returns;
      for (int64_t I = 0; I < IterationSteps; ++I) {
        auto S = Episodes->step(Pick(Rng));
        if (!S)
          return S.takeError();
        if (S->EpisodeReturn)
          Returns.push_back(*S->EpisodeReturn);
      }
      GlobalStep += IterationSteps;
      std::chrono::duration<double> Elapsed =
          std::chrono::steady_clock::now() - Start;
      OnIteration({Iteration, GlobalStep, static_cast<int64_t>(Returns.size()),
                   meanOrNaN(Returns),
                   IterationSteps / std::max(Elapsed.count(), 1e-9)});
    }
    return llvm::Error::success();
  }

private:
  std::unique_ptr<EpisodeRunner> Episodes;
  int64_t Steps, IterationSteps;
  std::mt19937_64 Rng;
  int64_t GlobalStep = 0;
};

/// Node texts of each benchmark's initial graph and of the graphs after a
/// few random actions, so that texts that passes introduce (phi, select,
/// vector types, ...) are known too.
llvm::Expected<Vocabulary>
buildVocabulary(const std::vector<BenchmarkPtr> &Benchmarks,
                const std::shared_ptr<const ActionSpace> &Space,
                uint64_t Seed) {
  auto Env = Environment::create({Space, "", "IrInstructionCount"});
  if (!Env)
    return Env.takeError();
  std::mt19937_64 Rng(Seed);
  std::uniform_int_distribution<size_t> Pick(0, Space->size() - 1);
  std::vector<graph::ProgramGraph> Graphs;
  for (const BenchmarkPtr &B : Benchmarks) {
    if (auto R = (*Env)->reset(B); !R)
      return R.takeError();
    for (int Round = 0; Round < 3; ++Round) {
      auto G = graph::buildProgramGraph((*Env)->module());
      if (!G)
        return G.takeError();
      Graphs.push_back(std::move(*G));
      for (int Step = 0; Step < 10; ++Step) {
        auto S = (*Env)->step(Pick(Rng));
        if (!S)
          return S.takeError();
        if (S->done)
          break;
      }
      if ((*Env)->done())
        break;
    }
  }
  std::vector<const graph::ProgramGraph *> Pointers;
  for (const graph::ProgramGraph &G : Graphs)
    Pointers.push_back(&G);
  return Vocabulary::build(Pointers);
}

/// The network the options ask for; checkOptions has checked the encoder.
AgentNetworkOptions networkOptions(const TrainRunOptions &O) {
  AgentNetworkOptions N;
  N.Encoder = llvm::cantFail(encoderFromName(O.Encoder));
  N.HiddenSize = O.HiddenSize;
  N.Layers = O.Layers;
  return N;
}

llvm::Error checkOptions(const TrainRunOptions &O) {
  if (O.Agent != "ppo" && O.Agent != "sac" && O.Agent != "random")
    return llvm::createStringError("unknown agent '" + O.Agent +
                                   "': use ppo, sac or random");
  if (auto Encoder = encoderFromName(O.Encoder); !Encoder)
    return Encoder.takeError();
  if (O.Steps < 1 || O.EpisodeLength < 1 || O.IterationSteps < 1 ||
      O.HiddenSize < 1 || O.Layers < 1 || O.CheckpointEvery < 1)
    return llvm::createStringError(
        "steps, episode length, iteration steps, hidden size, layers and "
        "checkpoint interval must be positive");
  if (O.OutputDirectory.empty())
    return llvm::createStringError("no output directory");
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
  Vocabulary Vocab;
  std::optional<LoadedCheckpoint> Saved;
  std::string CheckpointPath;
  std::unique_ptr<MetricsFile> Metrics;
  TrainSummary Summary;
};

llvm::Error saveRunCheckpoint(Run &R, CheckpointContents C) {
  C.ActionSpace = identityOf(*R.Space);
  C.Training.RewardSpace = R.RewardSpace;
  return saveCheckpoint(R.CheckpointPath, C);
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
  auto Created = TrainerT::create(R.Benchmarks, Env, R.Vocab, Options);
  if (!Created)
    return Created.takeError();
  TrainerT &Trainer = **Created;
  R.Summary.CheckpointPath = R.CheckpointPath;
  if (R.Saved)
    if (llvm::Error E = Trainer.resume(std::move(*R.Saved)))
      return E;
  auto Metrics = Trainer.train([&](const auto &M) -> llvm::Error {
    recordIteration(R, M, Trainer.iterations(), Progress);
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
  if (O.Agent == "random")
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
    Expected.Vocab = R.Vocab;
  auto Saved = loadCheckpoint(R.CheckpointPath, Expected);
  if (!Saved)
    return Saved.takeError();
  const TrainingInfo &Info = Saved->Training;
  auto Mismatch = [&](const std::string &What, const std::string &Theirs,
                      const std::string &Ours) {
    return llvm::createStringError("cannot resume '" + R.CheckpointPath +
                                   "': it was trained with " + What + " " +
                                   Theirs + ", this run asks for " + Ours);
  };
  if (Info.Algorithm != O.Agent)
    return Mismatch("--agent", Info.Algorithm, O.Agent);
  if (Info.RewardSpace != R.RewardSpace)
    return Mismatch("the reward", Info.RewardSpace, R.RewardSpace);
  if (Info.EpisodeLength != O.EpisodeLength)
    return Mismatch("--episode-length", std::to_string(Info.EpisodeLength),
                    std::to_string(O.EpisodeLength));
  R.Vocab = Saved->Vocab;
  R.Saved = std::move(*Saved);
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
  setMeasurementCpu(O.Cpu);

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
    R.Vocab = std::move(*V);
  }
  if (llvm::Error E = prepareCheckpoint(R))
    return E;
  if (O.VocabularyFile.empty() && !R.Saved && O.Agent != "random") {
    auto V = buildVocabulary(R.Benchmarks, R.Space, O.Seed);
    if (!V)
      return V.takeError();
    R.Vocab = std::move(*V);
  }
  if (O.Agent != "random")
    if (llvm::Error E =
            R.Vocab.save(join(O.OutputDirectory, "vocabulary.json")))
      return E;
  R.Summary.VocabularySize = R.Vocab.size();

  R.Summary.MetricsPath =
      join(O.OutputDirectory, O.Jsonl ? "metrics.jsonl" : "metrics.csv");
  auto Metrics = MetricsFile::open(R.Summary.MetricsPath, O.Jsonl);
  if (!Metrics)
    return Metrics.takeError();
  R.Metrics = std::move(*Metrics);

  EnvironmentOptions Env{R.Space, "", R.RewardSpace};
  AgentNetworkOptions Network =
      R.Saved ? R.Saved->Network->Options : networkOptions(O);
  llvm::Error Trained = llvm::Error::success();
  if (O.Agent == "ppo") {
    PpoTrainOptions P;
    P.Seed = O.Seed;
    P.TotalSteps = O.Steps;
    P.EpisodeLength = O.EpisodeLength;
    P.RolloutSteps = O.IterationSteps;
    P.MinibatchSize = std::min<int64_t>(P.MinibatchSize, O.IterationSteps);
    P.LearningRate = O.LearningRate.value_or(P.LearningRate);
    P.Network = Network;
    P.RandomBenchmarks = R.Benchmarks.size() > 1;
    Trained = trainAgent<PpoTrainer>(R, Env, P, Progress);
  } else if (O.Agent == "sac") {
    SacTrainOptions S;
    S.Seed = O.Seed;
    S.TotalSteps = O.Steps;
    S.EpisodeLength = O.EpisodeLength;
    S.StepsPerIteration = O.IterationSteps;
    S.LearningStarts = std::min<int64_t>(S.LearningStarts, O.Steps / 4);
    if (O.LearningRate)
      S.PolicyLearningRate = S.QLearningRate = *O.LearningRate;
    S.Network = Network;
    S.RandomBenchmarks = R.Benchmarks.size() > 1;
    Trained = trainAgent<SacTrainer>(R, Env, S, Progress);
  } else {
    auto Episodes = EpisodeRunner::create(
        R.Benchmarks, Env, {O.EpisodeLength, R.Benchmarks.size() > 1, O.Seed});
    if (!Episodes)
      return Episodes.takeError();
    RandomBaseline Baseline(std::move(*Episodes), O.Steps, O.IterationSteps,
                            O.Seed);
    Trained = Baseline.train([&](const RandomIterationMetrics &M) {
      recordIteration(R, M, Baseline.iterations(), Progress);
    });
  }
  if (Trained)
    return Trained;
  R.Summary.Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  return R.Summary;
}

} // namespace passgym::learning
