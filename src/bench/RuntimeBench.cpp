#include "bench/RuntimeBench.h"

#include "costs/Cost.h"
#include "costs/Measurement.h"
#include "datasets/Benchmark.h"
#include "datasets/Manifest.h"
#include "env/Environment.h"
#include "support/Files.h"
#include "support/Statistics.h"
#include "support/TempDir.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

namespace passgym {
namespace {

/// Calls of main per run: a number, or the time they must add up to.
std::string callsText(const RunSpec &Spec) {
  if (Spec.MainRepeatMs > 0)
    return std::to_string(Spec.MainRepeatMs) + " ms";
  return std::to_string(Spec.MainRepeat);
}

struct BenchmarkFigures {
  std::vector<double> StepMs;
  unsigned FailedSteps = 0;
  double CoefficientOfVariation = 0;
  /// The -O3 program's time per call of main (median of the estimates).
  double RunMs = 0;
  double ColdReplayMs = 0, WarmReplayMs = 0;
};

double coefficientOfVariation(const std::vector<double> &Values) {
  double Mean = 0;
  for (double V : Values)
    Mean += V / Values.size();
  double Variance = 0;
  for (double V : Values)
    Variance += (V - Mean) * (V - Mean) / (Values.size() - 1);
  return std::sqrt(Variance) / Mean;
}

std::vector<size_t> randomEpisode(size_t Length, size_t Actions,
                                  std::mt19937_64 &Random) {
  std::vector<size_t> Episode;
  for (size_t I = 0; I < Length; ++I)
    Episode.push_back(Random() % Actions);
  return Episode;
}

/// Steps with the Runtime reward, each timed whole (without a step that
/// changed the module, a benchmark's step column says "-"). Only steps that
/// changed the module are timed (an unchanged module costs no measurement at
/// all); a step the measurement rejects (an invalid program) ends the episode
/// and is counted apart.
MeasurementOptions measurementOptions(const RuntimeBenchOptions &Options) {
  MeasurementOptions Measure;
  Measure.Cpu = Options.Cpu;
  return Measure;
}

llvm::Error timeSteps(const BenchmarkPtr &B, const RuntimeBenchOptions &Options,
                      std::mt19937_64 &Random, BenchmarkFigures &Figures) {
  // No cache: every step that changes the module is measured.
  auto Env = Environment::create(
      {nullptr, "", "Runtime",
       std::make_shared<MeasurementContext>(measurementOptions(Options), "")});
  if (!Env)
    return Env.takeError();
  if (auto Started = (*Env)->reset(B); !Started)
    return Started.takeError();
  for (unsigned I = 0; I < Options.Steps; ++I) {
    if ((*Env)->done())
      if (auto Restarted = (*Env)->reset(B); !Restarted)
        return Restarted.takeError();
    size_t Action = Random() % (*Env)->actions().size();
    llvm::Expected<StepResult> Step = llvm::createStringError("not run");
    double Ms = millisecondsOf([&] { Step = (*Env)->step(Action); });
    if (!Step)
      return Step.takeError();
    if (Step->Done) {
      ++Figures.FailedSteps;
      continue;
    }
    if (Step->Info.Changed)
      Figures.StepMs.push_back(Ms);
  }
  return llvm::Error::success();
}

llvm::Error measureRepeatability(const BenchmarkPtr &B,
                                 const RuntimeBenchOptions &Options,
                                 BenchmarkFigures &Figures) {
  llvm::LLVMContext Context;
  auto M = loadBaseline(*B, Baseline::O3, Context);
  if (!M)
    return M.takeError();
  auto Reference = referenceBehaviour(*B);
  if (!Reference)
    return Reference.takeError();
  auto Built = Program::build(**M, *B->runSpec());
  if (!Built)
    return Built.takeError();
  MeasurementOptions Measure = measurementOptions(Options);
  // The estimate the Runtime cost reports: the fastest run (see Cost.h).
  std::vector<double> Estimates;
  for (unsigned I = 0; I < Options.Repetitions; ++I) {
    auto Estimate = Built->measure(*B->runSpec(), *Reference, Measure);
    if (!Estimate)
      return Estimate.takeError();
    Estimates.push_back(Estimate->Minimum);
  }
  Figures.CoefficientOfVariation = coefficientOfVariation(Estimates);
  Figures.RunMs = median(Estimates);
  return llvm::Error::success();
}

/// The same episode twice with the Runtime reward and a fresh cache: the
/// second replay finds every measurement in the cache.
llvm::Error timeReplays(const BenchmarkPtr &B,
                        const std::vector<size_t> &Episode,
                        const RuntimeBenchOptions &Options,
                        const std::string &CachePath,
                        BenchmarkFigures &Figures) {
  auto Replay = [&]() -> llvm::Expected<double> {
    // A context per replay: the second finds the first's results in the
    // cache file, not in the context's memory.
    auto Env =
        Environment::create({nullptr, "", "Runtime",
                             std::make_shared<MeasurementContext>(
                                 measurementOptions(Options), CachePath)});
    if (!Env)
      return Env.takeError();
    llvm::Error Failure = llvm::Error::success();
    double Ms = millisecondsOf([&] {
      if (auto Started = (*Env)->reset(B); !Started) {
        Failure = Started.takeError();
        return;
      }
      for (size_t Action : Episode) {
        auto Step = (*Env)->step(Action);
        if (!Step) {
          Failure = Step.takeError();
          return;
        }
        if (Step->Done)
          return;
      }
    });
    if (Failure)
      return std::move(Failure);
    return Ms;
  };
  auto Cold = Replay();
  if (!Cold)
    return Cold.takeError();
  auto Warm = Replay();
  if (!Warm)
    return Warm.takeError();
  Figures.ColdReplayMs = *Cold;
  Figures.WarmReplayMs = *Warm;
  return llvm::Error::success();
}

} // namespace

llvm::Error runRuntimeBench(const RuntimeBenchOptions &Options,
                            llvm::raw_ostream &Out,
                            const std::function<void(double)> &Progress) {
  auto Uris = urisOrBuiltins(Options.Benchmarks);
  if (!Uris)
    return Uris.takeError();
  auto CacheDir = TempDir::create("passgym-bench-cache");
  if (!CacheDir)
    return CacheDir.takeError();
  std::mt19937_64 Random(Options.Seed);

  BenchmarkColumn Column = benchmarkColumn(*Uris);
  Out << Column.Note;
  Out << llvm::formatv("{0} {1,10} {2,6} {3,9} {4,7} {5,9} {6,10} {7,10} "
                       "{8,8}\n",
                       Column.cell("benchmark"), "O3 run ms", "calls",
                       "step ms", "failed", "CV %", "cold ms", "warm ms",
                       "speedup");
  std::vector<double> AllSteps, Cvs, Speedups;
  unsigned Failed = 0;
  nlohmann::json Json;
  for (size_t I = 0; I < Uris->size(); ++I) {
    Progress(static_cast<double>(I) / Uris->size());
    auto B = loadBenchmark((*Uris)[I]);
    if (!B)
      return B.takeError();
    if (!(*B)->runSpec())
      return llvm::createStringError("benchmark '" + (*Uris)[I] +
                                     "' is not runnable");
    BenchmarkFigures Figures;
    if (llvm::Error E = timeSteps(*B, Options, Random, Figures))
      return E;
    if (llvm::Error E = measureRepeatability(*B, Options, Figures))
      return E;
    auto Episode = randomEpisode(Options.EpisodeLength,
                                 ActionSpace::builtin().size(), Random);
    if (llvm::Error E =
            timeReplays(*B, Episode, Options,
                        CacheDir->file(std::to_string(I) + ".sqlite"), Figures))
      return E;
    double Speedup = Figures.ColdReplayMs / Figures.WarmReplayMs;
    std::string StepText =
        Figures.StepMs.empty()
            ? std::string("-")
            : llvm::formatv("{0:F1}", median(Figures.StepMs)).str();
    Out << llvm::formatv(
        "{0} {1,10:F4} {2,6} {3,9} {4,7} {5,9:F2} {6,10:F0} "
        "{7,10:F0} {8,7:F1}x\n",
        Column.cell((*Uris)[I]), Figures.RunMs, callsText(*(*B)->runSpec()),
        StepText, Figures.FailedSteps, 100 * Figures.CoefficientOfVariation,
        Figures.ColdReplayMs, Figures.WarmReplayMs, Speedup);
    Json["benchmarks"].push_back(
        {{"uri", (*Uris)[I]},
         {"o3_run_ms", Figures.RunMs},
         {"main_calls_per_run", (*B)->runSpec()->MainRepeat},
         {"main_repeat_ms", (*B)->runSpec()->MainRepeatMs},
         {"step_ms", Figures.StepMs.empty()
                         ? nlohmann::json(nullptr)
                         : nlohmann::json(median(Figures.StepMs))},
         {"failed_steps", Figures.FailedSteps},
         {"cv", Figures.CoefficientOfVariation},
         {"cold_replay_ms", Figures.ColdReplayMs},
         {"warm_replay_ms", Figures.WarmReplayMs}});
    AllSteps.insert(AllSteps.end(), Figures.StepMs.begin(),
                    Figures.StepMs.end());
    Cvs.push_back(Figures.CoefficientOfVariation);
    Speedups.push_back(Speedup);
    Failed += Figures.FailedSteps;
  }
  Progress(1);

  double Step = median(AllSteps), Cv = median(Cvs), Speedup = median(Speedups);
  Out << "\nmedians over " << Uris->size() << " benchmarks (" << AllSteps.size()
      << " steps that changed the module and were measured, " << Failed
      << " steps ended by invalid programs):\n"
      << llvm::format("  runtime-reward step           %8.1f ms     (target <= "
                      "100 ms: %s)\n",
                      Step, Step <= 100 ? "met" : "NOT MET")
      << llvm::format("  coefficient of variation      %8.2f %%      "
                      "(target <= 1%%: %s)\n",
                      100 * Cv, Cv <= 0.01 ? "met" : "NOT MET")
      << llvm::format("  cache speed-up on replay      %8.1fx       (target >= "
                      "2.5x: %s)\n",
                      Speedup, Speedup >= 2.5 ? "met" : "NOT MET");
  if (Options.JsonPath.empty())
    return llvm::Error::success();
  Json["summary"] = {{"step_ms", Step},
                     {"cv", Cv},
                     {"cache_speedup", Speedup},
                     {"failed_steps", Failed}};
  return writeFileAtomically(Options.JsonPath, Json.dump(2) + "\n");
}

} // namespace passgym
