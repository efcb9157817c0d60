#include "cli/Commands.h"
#include "cli/Common.h"
#include "support/Files.h"

#include "costs/Cost.h"
#include "env/Environment.h"
#include "search/Search.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

struct SearchOptions {
  std::string Benchmark{kDefaultBenchmark};
  double Seconds = 30;
  uint64_t Steps = 0;
  size_t EpisodeLength = 50;
  uint64_t Seed = 0;
  std::string Cost = "IrInstructionCount";
  std::string ActionsFile;
  std::string Output;
  std::optional<unsigned> Cpu;
  passgym::Isolation Isolation = Isolation::Worker;
};

std::string describe(const SearchProgress &P) {
  std::string Text;
  llvm::raw_string_ostream(Text) << P.Steps << " steps, " << P.Episodes
                                 << " episodes, best " << P.BestCost;
  return Text;
}

/// Size costs are compared with -Oz, runtime with -O3.
Baseline referenceFor(CostFunction Cost) {
  return Cost == CostFunction::Runtime ? Baseline::O3 : Baseline::Oz;
}

void printReport(const Environment &Start, const SearchResult &Result,
                 double BaselineCost, CostFunction Cost) {
  const ActionSpace &Space = Start.actions();
  auto Ratio = [](double Reference, double Value) {
    return Value > 0 ? Reference / Value : 0.0;
  };
  std::string Level = ("-" + baselineName(referenceFor(Cost))).str();
  const char *ValueFormat = Cost == CostFunction::Runtime ? "%10.3f" : "%10.0f";
  llvm::raw_ostream &Out = llvm::outs();
  Out << "benchmark      " << Start.benchmark().uri() << "\n"
      << "search         random, " << Result.Episodes << " episodes, "
      << Result.Steps << " steps in "
      << llvm::format("%.1f", Result.Elapsed.count()) << " s ("
      << llvm::format("%.0f", Result.Steps / Result.Elapsed.count())
      << " steps/s)\n";
  if (Result.FailedEpisodes)
    Out << "failures       " << Result.FailedEpisodes
        << " episodes ended by a failing pass; first: " << Result.FirstFailure
        << "\n               after the actions: "
        << Space.names(Result.FirstFailureActions) << "\n";
  Out << "\n"
      << llvm::left_justify(costName(Cost), 24)
      << llvm::right_justify(Cost == CostFunction::Runtime ? "ms" : "value", 10)
      << llvm::right_justify("vs " + Level, 12) << "\n";
  auto Row = [&](llvm::StringRef Name, double Value) {
    Out << llvm::left_justify(Name, 24) << llvm::format(ValueFormat, Value)
        << llvm::format("%11.3fx", Ratio(BaselineCost, Value)) << "\n";
  };
  Row("unoptimized (-O0)", Result.InitialCost);
  Row(Level, BaselineCost);
  Row("best found", Result.bestCost());
  Out << "\n(vs " << Level << " = cost at " << Level << " / cost; above 1.000x "
      << "beats " << Level << ")\n\n";
  const std::vector<size_t> &Best = Result.Best->actionHistory();
  Out << "best sequence (" << Best.size()
      << " actions):" << (Best.empty() ? "" : " ") << Space.names(Best);
  Out << "\n\nopt pipeline:\n  "
      << Result.Best->commandline("INPUT.bc", "OUTPUT.bc") << "\n";
}

int runSearch(const SearchOptions &Options) {
  // Found out now, not after the whole budget.
  if (!Options.Output.empty() && Options.Output != "-")
    if (llvm::Error E = checkWritable(Options.Output))
      return reportError(std::move(E));
  MeasurementOptions Measure;
  Measure.Cpu = Options.Cpu;
  EnvironmentOptions Env0;
  Env0.RewardSpace = Options.Cost;
  Env0.Measurement = std::make_shared<MeasurementContext>(Measure);
  Env0.Isolation = Options.Isolation;
  auto Env =
      replay(Options.Benchmark, Options.ActionsFile, {}, std::move(Env0));
  if (!Env)
    return reportError(Env.takeError());
  CostFunction Cost = *parseCostName(Options.Cost);
  // Observed through the environment, so that the baseline's passes run
  // where the search's do.
  auto Reference =
      (*Env)->observe(baselineObservationName(Cost, referenceFor(Cost)));
  if (!Reference)
    return reportError(Reference.takeError());
  double ReferenceCost = std::visit(
      [](const auto &V) -> double {
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(V)>>)
          return static_cast<double>(V);
        else
          return 0;
      },
      *Reference);

  RandomSearchOptions Random;
  Random.EpisodeLength = Options.EpisodeLength;
  Random.Seed = Options.Seed;
  if (Options.Seconds > 0)
    Random.Budget.Time = std::chrono::duration<double>(Options.Seconds);
  if (Options.Steps > 0)
    Random.Budget.Steps = Options.Steps;
  ProgressBar Bar("search");
  auto Result = randomSearch(**Env, Random, [&](const SearchProgress &P) {
    double ByTime = Random.Budget.Time
                        ? P.Elapsed.count() / Random.Budget.Time->count()
                        : 0;
    double BySteps = Random.Budget.Steps
                         ? static_cast<double>(P.Steps) / *Random.Budget.Steps
                         : 0;
    Bar.update(std::max(ByTime, BySteps), describe(P));
  });
  Bar.finish();
  if (!Result)
    return reportError(Result.takeError());
  printReport(**Env, *Result, ReferenceCost, Cost);
  if (Cost == CostFunction::Runtime) {
    CacheStatistics Cache = (*Env)->measurement().statistics();
    llvm::outs() << llvm::format("measurement cache: %llu hits, %llu misses "
                                 "(hit rate %.1f%%)\n\n",
                                 (unsigned long long)Cache.Hits,
                                 (unsigned long long)Cache.Misses,
                                 100 * Cache.hitRate());
  }

  if (Options.Output.empty())
    return 0;
  auto Best = Result->Best->module();
  if (!Best)
    return reportError(Best.takeError());
  if (llvm::Error E = writeModule(*Best, Options.Output))
    return reportError(std::move(E));
  llvm::outs() << "best module written to " << Options.Output << "\n";
  return 0;
}

} // namespace

void addSearchCommand(CLI::App &App) {
  auto Options = std::make_shared<SearchOptions>();
  CLI::App *Command = App.add_subcommand(
      "search",
      "Random search for a pass sequence that minimizes a cost; prints the "
      "best sequence, its opt pipeline, and its gain against -Oz.\n"
      "Examples:\n"
      "  passgym search                               the default program, 30 "
      "s\n"
      "  passgym search prog.c --time 60 --seed 3\n"
      "  passgym search prog.ll --steps 5000 --cost ObjectTextSizeBytes -o "
      "best.ll");
  Command
      ->add_option("benchmark", Options->Benchmark,
                   "file (.c .cc .cpp .ll .bc) or benchmark URI")
      ->capture_default_str();
  Command
      ->add_option("-t,--time", Options->Seconds,
                   "time budget in seconds (0: none)")
      ->capture_default_str()
      ->check(realNumber(0, 1e7));
  Command
      ->add_option("-n,--steps", Options->Steps,
                   "step budget (0: none); with --time, whichever comes first")
      ->capture_default_str()
      ->check(wholeNumber(0, kMaxCount));
  Command
      ->add_option("--episode-length", Options->EpisodeLength,
                   "actions per random episode")
      ->capture_default_str()
      ->check(wholeNumber(1, 1000000));
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str()
      ->check(wholeNumber(0, INT64_MAX));
  Command
      ->add_option("--cost", Options->Cost,
                   "cost to minimize (Runtime: measured ms (fastest run), "
                   "compared with -O3; runnable benchmarks only)")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"IrInstructionCount", "ObjectTextSizeBytes", "Runtime"}));
  Command->add_option("--actions", Options->ActionsFile, "action space file")
      ->check(actionSpaceArgument());
  Command
      ->add_option("--cpu", Options->Cpu,
                   "with --cost Runtime: pin measured runs to this CPU")
      ->check(wholeNumber(0, 4095));
  Command->add_option(
      "-o,--output", Options->Output,
      "write the best module here (.bc: bitcode, else IR text)");
  addIsolationOption(*Command, Options->Isolation);
  runWith(*Command, [Options] {
    if (Options->Seconds <= 0 && Options->Steps == 0)
      return reportError(llvm::createStringError(
          "give a budget: --time SECONDS or --steps N"));
    return runSearch(*Options);
  });
}

} // namespace passgym::cli
