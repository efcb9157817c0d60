#include "bench/EpisodeBench.h"

#include "costs/Cost.h"
#include "datasets/Benchmark.h"
#include "datasets/Manifest.h"
#include "env/Environment.h"
#include "support/Files.h"
#include "support/Statistics.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

namespace passgym {
namespace {

using Milliseconds = std::chrono::duration<double, std::milli>;

double sum(const std::vector<double> &Values) {
  double Total = 0;
  for (double V : Values)
    Total += V;
  return Total;
}

/// \p Count random actions that each leave a valid module, in order.
llvm::Expected<std::vector<size_t>>
validEpisode(const BenchmarkPtr &B, unsigned Count, std::mt19937_64 &Random) {
  auto Env = Environment::create();
  if (!Env)
    return Env.takeError();
  if (auto Started = (*Env)->reset(B); !Started)
    return Started.takeError();
  std::vector<size_t> Episode;
  // A few actions crash or break some modules; enough tries find others.
  for (unsigned Tries = 0; Episode.size() < Count && Tries < 4 * Count;
       ++Tries) {
    size_t Action = Random() % (*Env)->actions().size();
    auto Trial = (*Env)->fork();
    if (!Trial)
      return Trial.takeError();
    auto Step = (*Trial)->step(Action);
    if (!Step)
      return Step.takeError();
    if (Step->Done)
      continue;
    Env = std::move(Trial);
    Episode.push_back(Action);
  }
  return Episode;
}

struct EpisodeTimes {
  double EpisodeMs = 0;
  /// Per step: its wall time, the part inside LLVM's pass manager and the
  /// part verifying what changed.
  std::vector<double> StepMs, PassMs, VerifyMs;
};

/// How the environment is given the episode's actions.
enum class Stepping { OneByOne, Multistep };
constexpr Stepping kSteppings[] = {Stepping::OneByOne, Stepping::Multistep};

llvm::StringRef steppingName(Stepping How) {
  return How == Stepping::OneByOne ? "one by one" : "multistep";
}

llvm::Expected<EpisodeTimes> timeEnvironment(const BenchmarkPtr &B,
                                             const std::vector<size_t> &Episode,
                                             Stepping How) {
  EpisodeTimes Times;
  llvm::Error Failure = llvm::Error::success();
  Times.EpisodeMs = millisecondsOf([&] {
    auto Env = Environment::create();
    if (!Env) {
      Failure = Env.takeError();
      return;
    }
    if (auto Started = (*Env)->reset(B); !Started) {
      Failure = Started.takeError();
      return;
    }
    std::vector<std::vector<size_t>> Calls;
    if (How == Stepping::Multistep)
      Calls.push_back(Episode);
    else
      for (size_t Action : Episode)
        Calls.push_back({Action});
    for (const std::vector<size_t> &Actions : Calls) {
      llvm::Expected<StepResult> Step = llvm::createStringError("not run");
      Times.StepMs.push_back(
          millisecondsOf([&] { Step = (*Env)->multistep(Actions); }));
      if (!Step) {
        Failure = Step.takeError();
        return;
      }
      if (Step->Done) {
        Failure = llvm::createStringError(Step->Info.Error);
        return;
      }
      Times.PassMs.push_back(Milliseconds(Step->Info.PassTime).count());
      Times.VerifyMs.push_back(Milliseconds(Step->Info.VerifyTime).count());
    }
  });
  if (Failure)
    return std::move(Failure);
  return Times;
}

llvm::Expected<double> timeOpt(const std::string &Pipeline,
                               const TempDir &Dir) {
  SubprocessOptions Opt;
  Opt.Argv = {std::string(PASSGYM_LLVM_BINDIR) + "/opt", "-passes=" + Pipeline,
              Dir.file("in.bc"), "-o", Dir.file("out.bc")};
  llvm::Error Failure = llvm::Error::success();
  double Ms = millisecondsOf([&] { Failure = runChecked(Opt); });
  if (Failure)
    return std::move(Failure);
  return Ms;
}

/// One way of stepping, over the repetitions.
struct SteppingFigures {
  std::vector<double> EnvironmentMs;
  /// Per episode: the share of the steps' time spent outside the passes,
  /// the share spent verifying, and the share of the episode not in steps.
  std::vector<double> OverheadFractions, VerifyFractions,
      ResetAndTeardownFractions;

  void add(const EpisodeTimes &Times) {
    EnvironmentMs.push_back(Times.EpisodeMs);
    double Steps = sum(Times.StepMs);
    OverheadFractions.push_back((Steps - sum(Times.PassMs)) / Steps);
    VerifyFractions.push_back(sum(Times.VerifyMs) / Steps);
    ResetAndTeardownFractions.push_back((Times.EpisodeMs - Steps) /
                                        Times.EpisodeMs);
  }
};

struct BenchmarkFigures {
  int64_t Instructions = 0;
  size_t Actions = 0;
  std::vector<double> OptMs;
  std::map<Stepping, SteppingFigures> Environment;
};

llvm::Expected<BenchmarkFigures> measure(const BenchmarkPtr &B,
                                         const EpisodeBenchOptions &Options,
                                         std::mt19937_64 &Random,
                                         const TempDir &Dir) {
  BenchmarkFigures Figures;
  MeasurementContext Unused;
  auto Instructions =
      baselineCost(CostFunction::IrInstructionCount, Baseline::O0, *B, Unused);
  if (!Instructions)
    return Instructions.takeError();
  Figures.Instructions = static_cast<int64_t>(*Instructions);
  auto Episode = validEpisode(B, Options.Actions, Random);
  if (!Episode)
    return Episode.takeError();
  Figures.Actions = Episode->size();
  if (llvm::Error E =
          writeFileAtomically(Dir.file("in.bc"), B->bitcode().getBuffer()))
    return std::move(E);
  std::string Pipeline = ActionSpace::builtin().pipeline(*Episode);
  // Interleaved, so that a burst of load on the machine hits both ways.
  for (unsigned I = 0; I < Options.Repetitions; ++I) {
    for (Stepping How : kSteppings) {
      auto Env = timeEnvironment(B, *Episode, How);
      if (!Env)
        return Env.takeError();
      Figures.Environment[How].add(*Env);
    }
    auto Opt = timeOpt(Pipeline, Dir);
    if (!Opt)
      return Opt.takeError();
    Figures.OptMs.push_back(*Opt);
  }
  return Figures;
}

} // namespace

llvm::Error runEpisodeBench(const EpisodeBenchOptions &Options,
                            llvm::raw_ostream &Out,
                            const std::function<void(double)> &Progress) {
  std::vector<std::string> Uris = Options.Benchmarks.empty()
                                      ? kDefaultEpisodeBenchmarks
                                      : Options.Benchmarks;
  auto Dir = TempDir::create("passgym-bench");
  if (!Dir)
    return Dir.takeError();
  std::mt19937_64 Random(Options.Seed);
  BenchmarkColumn Column = benchmarkColumn(Uris);
  Out << Column.Note;
  Out << llvm::formatv(
      "{0} {1,8} {2,7} {3,10} {4,11} {5,9} {6,8} {7,9} {8,8} {9,8}\n",
      Column.cell("benchmark"), "insts", "actions", "steps", "episode ms",
      "opt ms", "opt/env", "overhead", "verify", "setup");
  nlohmann::json Json;
  std::map<Stepping, std::vector<double>> LargeRatios, Overheads;
  for (size_t I = 0; I < Uris.size(); ++I) {
    Progress(static_cast<double>(I) / Uris.size());
    auto B = loadBenchmark(Uris[I]);
    if (!B)
      return B.takeError();
    auto Figures = measure(*B, Options, Random, *Dir);
    if (!Figures)
      return llvm::createStringError("measuring " + Uris[I] + ": " +
                                     llvm::toString(Figures.takeError()));
    double Opt = median(Figures->OptMs);
    nlohmann::json Entry = {{"uri", Uris[I]},
                            {"instructions", Figures->Instructions},
                            {"actions", Figures->Actions},
                            {"opt_ms", Figures->OptMs}};
    for (Stepping How : kSteppings) {
      const SteppingFigures &Way = Figures->Environment[How];
      double Env = median(Way.EnvironmentMs);
      double Overhead = median(Way.OverheadFractions);
      double Verify = median(Way.VerifyFractions);
      double Outside = median(Way.ResetAndTeardownFractions);
      bool First = How == kSteppings[0];
      Out << llvm::formatv(
          "{0} {1,8} {2,7} {3,10} {4,11:F1} {5,9:F1} {6,7:F2}x {7,8:F1}% "
          "{8,7:F1}% {9,7:F1}%\n",
          Column.cell(First ? Uris[I] : ""),
          First ? std::to_string(Figures->Instructions) : "",
          First ? std::to_string(Figures->Actions) : "", steppingName(How), Env,
          Opt, Opt / Env, 100 * Overhead, 100 * Verify, 100 * Outside);
      if (Figures->Instructions >= 20000)
        LargeRatios[How].push_back(Opt / Env);
      Overheads[How].push_back(Overhead);
      std::string Key = steppingName(How).str();
      std::replace(Key.begin(), Key.end(), ' ', '_');
      Entry[Key] = {{"episode_ms", Way.EnvironmentMs},
                    {"median_ratio", Opt / Env},
                    {"median_overhead", Overhead},
                    {"median_verify", Verify},
                    {"median_setup", Outside}};
    }
    Json["benchmarks"].push_back(std::move(Entry));
  }
  Progress(1);
  Out << "\nsteps: the episode as one step() per action, or as one "
         "multistep() (verified once, after the last action); opt/env above "
         "1.00x: the environment's episode beats one opt process; overhead: "
         "share of the steps' time spent outside LLVM's passes (verify: of "
         "which verifying what they changed); setup: share of the episode "
         "spent loading and destroying the module\n";
  for (Stepping How : kSteppings) {
    if (!LargeRatios[How].empty())
      Out << llvm::formatv("{0}: modules of 20,000+ instructions: opt/env "
                           "median {1:F2}x (target >= 1.00x: {2})\n",
                           steppingName(How), median(LargeRatios[How]),
                           median(LargeRatios[How]) >= 1 ? "met" : "NOT MET");
    Out << llvm::formatv("{0}: step overhead, median over benchmarks: "
                         "{1:F1}% (target <= 10%: {2})\n",
                         steppingName(How), 100 * median(Overheads[How]),
                         median(Overheads[How]) <= 0.1 ? "met" : "NOT MET");
  }
  if (Options.JsonPath.empty())
    return llvm::Error::success();
  return writeFileAtomically(Options.JsonPath, Json.dump(2) + "\n");
}

} // namespace passgym
