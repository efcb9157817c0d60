#include "cli/Commands.h"
#include "cli/Common.h"

#include "env/Environment.h"
#include "costs/Cost.h"
#include "search/Search.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

struct SearchOptions {
  std::string benchmark{kDefaultBenchmark};
  double seconds = 30;
  uint64_t steps = 0;
  size_t episodeLength = 50;
  uint64_t seed = 0;
  std::string cost = "IrInstructionCount";
  std::string actionsFile;
  std::string output;
  std::optional<unsigned> cpu;
};

std::string describe(const SearchProgress &P) {
  std::string Text;
  llvm::raw_string_ostream(Text) << P.steps << " steps, " << P.episodes
                                 << " episodes, best " << P.bestCost;
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
      << "search         random, " << Result.episodes << " episodes, "
      << Result.steps << " steps in "
      << llvm::format("%.1f", Result.elapsed.count()) << " s ("
      << llvm::format("%.0f", Result.steps / Result.elapsed.count())
      << " steps/s)\n";
  if (Result.failedEpisodes)
    Out << "failures       " << Result.failedEpisodes
        << " episodes ended by a failing pass; first: " << Result.firstFailure
        << "\n";
  Out << "\n"
      << llvm::left_justify(costName(Cost), 24)
      << llvm::right_justify(Cost == CostFunction::Runtime ? "ms" : "value", 10)
      << llvm::right_justify("vs " + Level, 12) << "\n";
  auto Row = [&](llvm::StringRef Name, double Value) {
    Out << llvm::left_justify(Name, 24) << llvm::format(ValueFormat, Value)
        << llvm::format("%11.3fx", Ratio(BaselineCost, Value)) << "\n";
  };
  Row("unoptimized (-O0)", Result.initialCost);
  Row(Level, BaselineCost);
  Row("best found", Result.bestCost());
  Out << "\n(vs " << Level << " = cost at " << Level << " / cost; above 1.000x "
      << "beats " << Level << ")\n\n";
  const std::vector<size_t> &Best = Result.best->actionHistory();
  Out << "best sequence (" << Best.size() << " actions):";
  for (size_t Action : Best)
    Out << " " << Space[Action].name;
  Out << "\n\nopt pipeline:\n  "
      << Result.best->commandline("INPUT.bc", "OUTPUT.bc") << "\n";
}

int runSearch(const SearchOptions &Options) {
  MeasurementOptions Measure;
  Measure.cpu = Options.cpu;
  auto Env = replay(Options.benchmark, Options.actionsFile, {}, Options.cost,
                    std::make_shared<MeasurementContext>(Measure));
  if (!Env)
    return reportError(Env.takeError());
  CostFunction Cost = *parseCostName(Options.cost);
  auto Reference = baselineCost(Cost, referenceFor(Cost), (*Env)->benchmark(),
                                (*Env)->measurement());
  if (!Reference)
    return reportError(Reference.takeError());

  RandomSearchOptions Random;
  Random.episodeLength = Options.episodeLength;
  Random.seed = Options.seed;
  if (Options.seconds > 0)
    Random.budget.time = std::chrono::duration<double>(Options.seconds);
  if (Options.steps > 0)
    Random.budget.steps = Options.steps;
  ProgressBar Bar("search");
  auto Result = randomSearch(**Env, Random, [&](const SearchProgress &P) {
    double ByTime = Random.budget.time
                        ? P.elapsed.count() / Random.budget.time->count()
                        : 0;
    double BySteps = Random.budget.steps
                         ? static_cast<double>(P.steps) / *Random.budget.steps
                         : 0;
    Bar.update(std::max(ByTime, BySteps), describe(P));
  });
  Bar.finish();
  if (!Result)
    return reportError(Result.takeError());
  printReport(**Env, *Result, *Reference, Cost);
  if (Cost == CostFunction::Runtime) {
    CacheStatistics Cache = (*Env)->measurement().statistics();
    llvm::outs() << llvm::format("measurement cache: %llu hits, %llu misses "
                                 "(hit rate %.1f%%)\n\n",
                                 (unsigned long long)Cache.Hits,
                                 (unsigned long long)Cache.Misses,
                                 100 * Cache.hitRate());
  }

  if (Options.output.empty())
    return 0;
  if (llvm::Error E = writeModule(Result->best->module(), Options.output))
    return reportError(std::move(E));
  llvm::outs() << "best module written to " << Options.output << "\n";
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
      ->add_option("benchmark", Options->benchmark,
                   "file (.c .cc .cpp .ll .bc) or benchmark URI")
      ->capture_default_str();
  Command
      ->add_option("-t,--time", Options->seconds,
                   "time budget in seconds (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  Command
      ->add_option("-n,--steps", Options->steps,
                   "step budget (0: none); with --time, whichever comes first")
      ->capture_default_str();
  Command
      ->add_option("--episode-length", Options->episodeLength,
                   "actions per random episode")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  Command->add_option("--seed", Options->seed, "random seed")
      ->capture_default_str();
  Command
      ->add_option("--cost", Options->cost,
                   "cost to minimize (Runtime: measured median ms, "
                   "compared with -O3; runnable benchmarks only)")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"IrInstructionCount", "ObjectTextSizeBytes", "Runtime"}));
  Command->add_option("--actions", Options->actionsFile, "action space file")
      ->check(CLI::ExistingFile);
  Command->add_option("--cpu", Options->cpu,
                      "with --cost Runtime: pin measured runs to this CPU");
  Command->add_option(
      "-o,--output", Options->output,
      "write the best module here (.bc: bitcode, else IR text)");
  runWith(*Command, [Options] {
    if (Options->seconds <= 0 && Options->steps == 0)
      return reportError(llvm::createStringError(
          "give a budget: --time SECONDS or --steps N"));
    return runSearch(*Options);
  });
}

} // namespace passgym::cli
