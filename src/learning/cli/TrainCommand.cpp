#include "learning/cli/Commands.h"

#include "cli/Common.h"
#include "distributed/Distributed.h"
#include "learning/cli/Choices.h"
#include "learning/training/DistributedEpisodes.h"
#include "learning/training/Training.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <cmath>

namespace passgym::learning::cli {
namespace {

using passgym::cli::ProgressBar;
using passgym::cli::reportError;

std::string formatReturn(double V) {
  if (std::isnan(V))
    return "n/a (no episode ended)";
  char Buffer[32];
  std::snprintf(Buffer, sizeof(Buffer), "%.4f", V);
  return Buffer;
}

/// What the command line sets beyond the run's options.
struct TrainCommandOptions {
  TrainRunOptions Run;
  bool Mpi = false;
  /// Whether --envs was given (under MPI it defaults to the ranks less one).
  bool EnvironmentsGiven = false;
  /// Under MPI: the shortest time a rank has to answer before it is lost.
  int64_t RankTimeoutSeconds = kAnswerWithin.count();
  /// Under MPI: environments stay on their first rank.
  bool FixedPlacement = false;
};

std::string perStep(double Total, int64_t Steps, const char *Format) {
  char Buffer[32];
  std::snprintf(Buffer, sizeof(Buffer), Format,
                Total / static_cast<double>(std::max<int64_t>(Steps, 1)));
  return Buffer;
}

/// The messages' cost and the ranks' share, when the environments were on
/// MPI ranks.
void printTraffic(llvm::raw_ostream &Out, const RankEpisodes &Ranks) {
  const EpisodeTraffic &T = Ranks.traffic();
  const std::vector<double> &Speeds = Ranks.rankSpeeds();
  auto Line = [&](llvm::StringRef Name, const std::string &Value) {
    Out << llvm::left_justify(Name, 28) << Value << "\n";
  };
  Line("job bytes per rank", std::to_string(T.JobBytes));
  Line("bytes out per step", perStep(T.BytesOut, T.Steps, "%.0f"));
  Line("bytes back per step", perStep(T.BytesBack, T.Steps, "%.0f"));
  Line("communication per step",
       perStep(1000 * T.CommunicationSeconds, T.Steps, "%.3f") + " ms");
  Line("exchanges", std::to_string(T.Exchanges) + ", " +
                        perStep(1000 * T.CommunicationSeconds, T.Exchanges,
                                "%.3f") +
                        " ms communication each");
  std::string ByRank;
  for (size_t Rank = 1; Rank < T.RequestsByRank.size(); ++Rank)
    ByRank += (ByRank.empty() ? "" : ", ") + std::string("rank ") +
              std::to_string(Rank) + " " +
              std::to_string(T.RequestsByRank[Rank]);
  Line("steps and starts by rank", ByRank);
  std::string ByRankSpeed;
  for (size_t Rank = 1; Rank < Speeds.size(); ++Rank) {
    char Buffer[32];
    std::snprintf(Buffer, sizeof(Buffer), "%.3f", 1e6 * Speeds[Rank]);
    ByRankSpeed += (ByRankSpeed.empty() ? "" : ", ") + std::string("rank ") +
                   std::to_string(Rank) + " " +
                   (Speeds[Rank] > 0 ? Buffer : "n/a");
  }
  Line("us per unit stepped", ByRankSpeed);
  Line("environments moved", std::to_string(T.Moves) + ", " +
                                 std::to_string(T.ReplayedSteps) +
                                 " steps replayed");
  Line("measurements merged",
       std::to_string(T.MergedMeasurements) + " into this cache, from " +
           std::to_string(T.MeasuringMachines) + " machine(s)");
}

/// Runs the training; \p Ranks are where its environments live, if not
/// here.
int runTrain(const TrainRunOptions &Options, RankEpisodes *Ranks) {
  ProgressBar Bar(std::string("train ") + nameOf(kAgentNames, Options.Agent));
  auto Summary = runTraining(Options, [&](const TrainProgress &P) {
    Bar.update(static_cast<double>(P.Iteration) / P.Iterations,
               "iteration " + std::to_string(P.Iteration) + "/" +
                   std::to_string(P.Iterations) + ", step " +
                   std::to_string(P.GlobalStep) + ", mean return " +
                   formatReturn(P.MeanEpisodeReturn));
  });
  Bar.finish();
  if (!Summary && Ranks && !Ranks->lostRanks().empty() &&
      Options.Agent != Agent::Random)
    return reportError(llvm::createStringError(
        llvm::toString(Summary.takeError()) + "; the checkpoint in '" +
        Options.OutputDirectory +
        "/checkpoint' holds the last one saved: continue it with --resume"));
  if (!Summary)
    return reportError(Summary.takeError());
  // The run is saved; measurements that do not arrive are only not merged.
  if (Ranks)
    if (llvm::Error E = Ranks->mergeMeasurements())
      llvm::errs() << "passgym: the ranks' measurements were not all merged "
                      "into this cache: "
                   << llvm::toString(std::move(E)) << "\n";
  llvm::raw_ostream &Out = llvm::outs();
  auto Line = [&](llvm::StringRef Name, const std::string &Value) {
    Out << llvm::left_justify(Name, 28) << Value << "\n";
  };
  Line("agent", nameOf(kAgentNames, Options.Agent));
  Line("state", nameOf(kStateKindNames, Options.Network.State));
  Line("reward", Summary->RewardSpace);
  Line("benchmarks", std::to_string(Summary->Benchmarks));
  Line("environments", std::to_string(Options.Schedule.Environments));
  Line("episodes start from",
       nameOf(kStartFromNames, Options.Schedule.StartFrom));
  if (Summary->VocabularySize)
    Line("vocabulary", std::to_string(Summary->VocabularySize) + " texts");
  Line("iterations", std::to_string(Summary->FirstIteration) + " -> " +
                         std::to_string(Summary->Iterations));
  Line("environment steps", std::to_string(Summary->GlobalStep));
  Line("mean return, first iter.", formatReturn(Summary->FirstReturn));
  Line("mean return, last iter.", formatReturn(Summary->LastReturn));
  Line("wall time",
       std::to_string(static_cast<int64_t>(Summary->Seconds)) + " s");
  Line("metrics", Summary->MetricsPath);
  if (!Summary->CheckpointPath.empty())
    Line("checkpoint", Summary->CheckpointPath);
  if (Ranks) {
    printTraffic(Out, *Ranks);
    for (const LostRank &L : Ranks->lostRanks())
      Line("lost", "MPI rank " + std::to_string(L.Rank) + " " + L.Reason);
  }
  return 0;
}

/// Under mpirun (or --mpi) rank 0 trains and the other ranks step its
/// environments (docs/mpi.md); otherwise the environments are here.
int runTrainCommand(TrainCommandOptions Options) {
  if (!Options.Mpi && !launchedByMpi())
    return runTrain(Options.Run, nullptr);
  auto Joined = MpiJob::join();
  if (!Joined)
    return reportError(Joined.takeError());
  std::unique_ptr<MpiJob> Job = std::move(*Joined);
  if (Job->rank() > 0) {
    if (llvm::Error E = serveEpisodes(*Job))
      return reportError(std::move(E));
    return 0;
  }
  auto Ranks = std::make_shared<RankEpisodes>(
      Job->size(), std::chrono::seconds(Options.RankTimeoutSeconds),
      /*Balance=*/!Options.FixedPlacement);
  Ranks->OnLost = [](const LostRank &L) {
    llvm::errs() << "\npassgym: MPI rank " << L.Rank << " " << L.Reason
                 << "; its environments go on on the other ranks\n";
  };
  RunSchedule &Schedule = Options.Run.Schedule;
  if (!Options.EnvironmentsGiven)
    Schedule.Environments = std::max<int64_t>(1, Job->size() - 1);
  Schedule.Remote = Ranks;
  int Code = runTrain(Options.Run, Ranks.get());
  if (Ranks->lostRanks().empty())
    return Code;
  // MPI_Finalize would wait for the lost rank for ever: a run that failed
  // ends every rank now; one that went on without the rank ends without
  // MPI_Finalize (MpiJob's destructor).
  if (Code != 0)
    Job->abort(Code);
  Job->noteLostRank();
  return Code;
}

} // namespace

void addTrainCommand(CLI::App &App) {
  auto Settings = std::make_shared<TrainCommandOptions>();
  TrainRunOptions *Options = &Settings->Run;
  CLI::App *Command = App.add_subcommand(
      "train",
      "Train an agent that picks passes from the ProGraML graph of the "
      "current module. Writes OUTPUT/metrics.csv (one row per iteration), "
      "OUTPUT/vocabulary.json and OUTPUT/checkpoint/ (replaced atomically "
      "every --checkpoint-every iterations and at the end).\n"
      "Examples:\n"
      "  passgym train --agent ppo --dataset benchmark://builtin-v0/qsort "
      "--steps 5000 -o runs/ppo-qsort\n"
      "  passgym train --agent sac --dataset builtin-v0:train,csmith-v0:1-20 "
      "--reward runtime -o runs/sac\n"
      "  passgym train --agent sac -o runs/sac --steps 40000 --resume\n"
      "  passgym train --agent random --dataset benchmark://builtin-v0/qsort "
      "-o runs/random   (the baseline)\n"
      "  passgym train --agent ppo --state graph+autophase -o runs/fused\n"
      "  passgym train --agent ppo --envs 2 --start-from O3 -o runs/ppo-o3\n"
      "  mpirun -np 5 passgym train --agent ppo -o runs/ppo-mpi   (4 "
      "environments on ranks 1-4, docs/mpi.md)");
  addChoice(*Command, "--agent", Options->Agent, kAgentNames,
            "the agent (random: the baseline, no learning)");
  Command
      ->add_option("--dataset", Options->Datasets,
                   "benchmarks: builtin-v0[:train|:test], csmith-v0:A-B, "
                   "llvm-stress-v0:A-B, manifest:PATH, or URIs/files; "
                   "comma-separated or repeated")
      ->capture_default_str()
      ->delimiter(',');
  Command
      ->add_option("--reward", Options->Reward,
                   "instcount (vs -Oz), codesize (object .text vs -Oz) or "
                   "runtime (measured, vs -O3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"instcount", "codesize", "runtime"}));
  Command
      ->add_option("-n,--steps", Options->Schedule.TotalSteps,
                   "environment steps")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, passgym::cli::kMaxCount));
  Command
      ->add_option("--episode-length", Options->Schedule.EpisodeLength,
                   "steps per episode")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command
      ->add_option("--iteration-steps", Options->Schedule.StepsPerIteration,
                   "steps per iteration, of all environments together (PPO's "
                   "rollout; a metrics row)")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 100000000));
  CLI::Option *Envs =
      Command
          ->add_option(
              "--envs", Options->Schedule.Environments,
              "environments stepped at once, one thread each: the policy "
              "runs once over their states and each takes its own action "
              "(CleanRL's num_envs); must divide --iteration-steps, of which "
              "each takes its share. Run-time rewards measured in parallel "
              "threads share the CPU cores and so disturb each other's "
              "timing. Under MPI the default is N-1, one per rank at first; "
              "faster ranks then take more (docs/mpi.md)")
          ->capture_default_str()
          ->check(passgym::cli::wholeNumber(1, 4096));
  addChoice(*Command, "--start-from", Options->Schedule.StartFrom,
            kStartFromNames,
            "start each episode from the unoptimized module (none) or from "
            "the output of this standard pipeline (opt -passes='default<O3>' "
            "for O3), so that the agent learns to improve on it");
  Command->add_option("--seed", Options->Schedule.Seed, "random seed")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(0, INT64_MAX));
  Command
      ->add_option("--learning-rate", Options->LearningRate,
                   "Adam's learning rate (default: the agent's, "
                   "docs/learning.md)")
      ->check(passgym::cli::realNumber(1e-9, 10));
  addChoice(*Command, "--state", Options->Network.State, kStateKindNames,
            "what the networks see of the module");
  addNetworkShape(*Command, Options->Network);
  Command->add_option("--actions", Options->ActionsFile, "action space file")
      ->check(passgym::cli::actionSpaceArgument());
  Command
      ->add_option("--vocabulary", Options->VocabularyFile,
                   "use this vocabulary instead of building one (a resumed "
                   "checkpoint must have the same)")
      ->check(CLI::ExistingFile);
  Command->add_option("-o,--output", Options->OutputDirectory, "run directory")
      ->required();
  Command->add_flag("--jsonl", Options->Jsonl,
                    "write metrics.jsonl instead of metrics.csv");
  Command->add_flag("--resume", Options->Resume,
                    "continue from OUTPUT/checkpoint (same agent, reward, "
                    "episode length, start and state)");
  Command
      ->add_option("--checkpoint-every", Options->CheckpointEvery,
                   "iterations between checkpoints")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command
      ->add_option("--cpu", Options->Cpu,
                   "runtime reward: pin measured runs to this CPU (one "
                   "environment only)")
      ->check(passgym::cli::wholeNumber(0, 4095));
  Command->add_flag(
      "--mpi", Settings->Mpi,
      "join an MPI job of N ranks (the default when mpirun or srun started "
      "several): rank 0 learns and writes the run directory, ranks 1..N-1 "
      "step the environments; the same metrics as the run with the same "
      "--envs and --seed here (docs/mpi.md)");
  Command
      ->add_option("--rank-timeout", Settings->RankTimeoutSeconds,
                   "under MPI: seconds a rank has to answer a step (or 10 "
                   "times its slowest answer, if longer) before it is lost "
                   "and its environments are replayed on the other ranks")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 86400));
  Command->add_flag(
      "--fixed-placement", Settings->FixedPlacement,
      "under MPI: environment I stays on rank 1 + I % (N-1) (and moves only "
      "if that rank is lost) instead of going to faster ranks at its "
      "episode starts");
  passgym::cli::runWith(*Command, [Settings, Envs] {
    Settings->EnvironmentsGiven = Envs->count() > 0;
    return runTrainCommand(*Settings);
  });
}

} // namespace passgym::learning::cli
