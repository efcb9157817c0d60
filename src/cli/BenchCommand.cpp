#include "cli/Commands.h"
#include "cli/Common.h"

#include "actions/ActionSpace.h"
#include "bench/EnvBench.h"
#include "bench/EpisodeBench.h"
#include "bench/ProxyBench.h"
#include "bench/RuntimeBench.h"
#include "bench/SearchBench.h"
#include "bench/SoakBench.h"
#include "datasets/DatasetSpec.h"

#include "llvm/Support/FileSystem.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <thread>

namespace passgym::cli {
namespace {

/// --seed and --json: every bench has them.
void addSeedAndJson(CLI::App &Command, uint64_t &Seed, std::string &JsonPath) {
  Command.add_option("--seed", Seed, "random seed")
      ->capture_default_str()
      ->check(wholeNumber(0, INT64_MAX));
  Command.add_option("--json", JsonPath, "also write JSON here");
}

using Progress = std::function<void(double Fraction, llvm::StringRef What)>;

/// Runs \p Bench under a progress bar labelled \p Label; its error is
/// reported and decides the exit code.
int withProgress(const std::string &Label,
                 const std::function<llvm::Error(const Progress &)> &Bench) {
  ProgressBar Bar(Label);
  llvm::Error E = Bench([&](double Fraction, llvm::StringRef What) {
    Bar.update(Fraction, What.str());
  });
  Bar.finish();
  return E ? reportError(std::move(E)) : 0;
}

/// The progress a bench that only reports fractions takes.
std::function<void(double)> fractions(const Progress &P) {
  return [&P](double Fraction) { P(Fraction, ""); };
}

void addEnvBench(CLI::App &Bench) {
  auto Options = std::make_shared<EnvBenchOptions>();
  CLI::App *Command = Bench.add_subcommand(
      "env",
      "Environment speed against the subprocess way, in one run: median step "
      "latency (IrInstructionCount reward) vs one opt-19 process per step; "
      "fork latency; ObjectTextSizeBytes vs a clang-19 -c process.\n"
      "Example: passgym bench env --steps 20 --json env.json");
  Command->add_option("benchmarks", Options->Benchmarks,
                      "benchmarks to measure (default: every built-in)");
  Command
      ->add_option("--steps", Options->StepsPerBenchmark,
                   "random actions timed per benchmark")
      ->capture_default_str()
      ->check(wholeNumber(1, 1000000));
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "repetitions of fork and object-size timings")
      ->capture_default_str()
      ->check(wholeNumber(1, 1000000));
  Command
      ->add_option("--large-module", Options->LargeModuleInstructions,
                   "instructions in the generated module for the fork "
                   "target")
      ->capture_default_str();
  addSeedAndJson(*Command, Options->Seed, Options->JsonPath);
  runWith(*Command, [Options] {
    return withProgress("bench env", [&](const Progress &P) {
      return runEnvBench(*Options, llvm::outs(), fractions(P));
    });
  });
}

void addEpisodeBench(CLI::App &Bench) {
  auto Options = std::make_shared<EpisodeBenchOptions>();
  CLI::App *Command = Bench.add_subcommand(
      "episode",
      "A random episode through the environment, one step() per action and "
      "as one multistep(), against one opt-19 process running the same "
      "pipeline (commandline()) on the same input, interleaved: medians, "
      "their ratio, and the share of a step spent outside LLVM's passes.\n"
      "Examples:\n"
      "  passgym bench episode\n"
      "  passgym bench episode manifest:suite.json#bzip2 --actions 100");
  Command->add_option("benchmarks", Options->Benchmarks,
                      "benchmarks (default: three built-ins and "
                      "generator://linked-builtins-v0/26)");
  Command->add_option("--actions", Options->Actions, "actions per episode")
      ->capture_default_str()
      ->check(wholeNumber(1, 100000));
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "times each episode is replayed each way")
      ->capture_default_str()
      ->check(wholeNumber(1, 1000));
  addSeedAndJson(*Command, Options->Seed, Options->JsonPath);
  runWith(*Command, [Options] {
    return withProgress("bench episode", [&](const Progress &P) {
      return runEpisodeBench(*Options, llvm::outs(), fractions(P));
    });
  });
}

void addSoakBench(CLI::App &Bench) {
  auto Options = std::make_shared<SoakOptions>();
  auto ChunkOf = std::make_shared<std::string>();
  CLI::App *Command = Bench.add_subcommand(
      "soak",
      "Random episodes with worker isolation over the built-ins, 60 csmith "
      "and 150 llvm-stress programs, with known hostile episodes (a crashing "
      "pass, heap corruption, a pass that never returns) mixed in; episodes "
      "run in host processes of their own, a chunk at a time, so that host "
      "crashes and hangs can be counted. Fails unless there are none.\n"
      "Example: passgym bench soak --episodes 10000 --json soak.json");
  Command->add_option("--episodes", Options->Episodes, "episodes in all")
      ->capture_default_str()
      ->check(wholeNumber(1, 100000000));
  Command
      ->add_option("--episode-length", Options->EpisodeLength,
                   "random actions per episode")
      ->capture_default_str()
      ->check(wholeNumber(1, 100000));
  Command->add_option("--chunk", Options->Chunk, "episodes per host process")
      ->capture_default_str()
      ->check(wholeNumber(1, 100000000));
  Command
      ->add_option("--hostile-every", Options->HostileEvery,
                   "a known hostile episode every this many (0: none)")
      ->capture_default_str();
  Command
      ->add_option_function<int64_t>(
          "--step-timeout",
          [Options](int64_t Ms) {
            Options->StepTimeout = std::chrono::milliseconds(Ms);
          },
          "per-step timeout in ms (default 5000)")
      ->check(wholeNumber(100, 3600000));
  addSeedAndJson(*Command, Options->Seed, Options->JsonPath);
  Command
      ->add_option("--chunk-of", *ChunkOf,
                   "FIRST:COUNT: run these episodes as a host process (used "
                   "by the soak itself)")
      ->group("");
  runWith(*Command, [Options, ChunkOf] {
    if (!ChunkOf->empty()) {
      auto [First, Count] = llvm::StringRef(*ChunkOf).split(':');
      uint64_t F = 0, C = 0;
      if (First.getAsInteger(10, F) || Count.getAsInteger(10, C))
        return reportError(
            llvm::createStringError("--chunk-of takes FIRST:COUNT"));
      llvm::Error E = runSoakChunk(*Options, F, C, llvm::outs());
      return E ? reportError(std::move(E)) : 0;
    }
    Options->Executable = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
    return withProgress("bench soak", [&](const Progress &P) {
      return runSoak(*Options, llvm::outs(), fractions(P));
    });
  });
}

void addProxyBench(CLI::App &Bench) {
  auto Options = std::make_shared<ProxyBenchOptions>();
  CLI::App *Command = Bench.add_subcommand(
      "proxy",
      "The MCA run-time proxy against measured run time: random variants "
      "(random built-in pass sequences) of runnable benchmarks, each measured "
      "(cache off) and estimated; Spearman rank correlation within each "
      "benchmark and pooled, and the cost of an estimate next to a "
      "measurement.\n"
      "Example: passgym bench proxy --variants 12 --json proxy.json");
  Command->add_option("benchmarks", Options->Benchmarks,
                      "runnable benchmarks (default: every built-in)");
  Command->add_option("--variants", Options->Variants, "variants per benchmark")
      ->capture_default_str()
      ->check(wholeNumber(2, 100000));
  Command
      ->add_option("--episode-length", Options->EpisodeLength,
                   "random actions per variant")
      ->capture_default_str()
      ->check(wholeNumber(0, 100000));
  Command->add_option("--cpu", Options->Cpu, "pin measured runs to this CPU")
      ->check(wholeNumber(0, 4095));
  addSeedAndJson(*Command, Options->Seed, Options->JsonPath);
  runWith(*Command, [Options] {
    return withProgress("bench proxy", [&](const Progress &P) {
      return runProxyBench(*Options, llvm::outs(), fractions(P));
    });
  });
}

void addRuntimeBench(CLI::App &Bench) {
  auto Options = std::make_shared<RuntimeBenchOptions>();
  CLI::App *Command = Bench.add_subcommand(
      "runtime",
      "The runtime reward, in one run: median wall time of one step (pass, "
      "compile, link, measurement, validation; cache off); repeatability as "
      "the coefficient of variation of 10 measurements of one binary; cache "
      "speed-up when an episode is replayed.\n"
      "Example: passgym bench runtime benchmark://builtin-v0/qsort --cpu 1");
  Command->add_option("benchmarks", Options->Benchmarks,
                      "runnable benchmarks (default: every built-in)");
  Command->add_option("--steps", Options->Steps, "steps timed per benchmark")
      ->capture_default_str()
      ->check(wholeNumber(1, 1000000));
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "independent measurements for the repeatability figure")
      ->capture_default_str()
      ->check(wholeNumber(2, 1000));
  Command
      ->add_option("--episode-length", Options->EpisodeLength,
                   "actions in the replayed episode")
      ->capture_default_str()
      ->check(wholeNumber(1, 1000000));
  Command->add_option("--cpu", Options->Cpu, "pin measured runs to this CPU")
      ->check(wholeNumber(0, 4095));
  addSeedAndJson(*Command, Options->Seed, Options->JsonPath);
  runWith(*Command, [Options] {
    return withProgress("bench runtime", [&](const Progress &P) {
      return runRuntimeBench(*Options, llvm::outs(), fractions(P));
    });
  });
}

void addSearchBench(CLI::App &Bench) {
  struct Settings {
    SearchBenchOptions Bench;
    std::string Objective = "instcount";
    std::string Budget = "20s";
    std::vector<std::string> Strategies;
    bool NoOptProcess = false;
    std::optional<unsigned> Cpu;
    std::string Policy;
    std::string ActionsFile;
  };
  auto Options = std::make_shared<Settings>();
  Options->Bench.Jobs = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::string> Names;
  for (StrategyKind Kind : strategyKinds())
    Names.push_back(strategyName(Kind).str());
  CLI::App *Command = Bench.add_subcommand(
      "search",
      "Every strategy of `optimize` at the same budget per program, against "
      "-O3 (run time) or -Oz (size, instruction count), and a random search "
      "of the same actions run through opt-19 processes at the same budget. "
      "Per program and strategy: candidates/s, the search's best and "
      "optimize's answer as ratios to the reference; then geometric means.\n"
      "Examples:\n"
      "  passgym bench search --objective instcount --budget 60s builtin-v0\n"
      "  passgym bench search benchmark://builtin-v0/qsort --objective "
      "runtime --budget 2m --strategies auto,random\n"
      "  passgym bench search builtin-v0:test --policy runs/ppo/checkpoint");
  Command->add_option("benchmarks", Options->Bench.Benchmarks,
                      "benchmarks or datasets (default: crc32, qsort, "
                      "jpeg_dct, sha256)");
  Command
      ->add_option("--objective", Options->Objective,
                   "runtime (vs -O3), size or instcount (vs -Oz)")
      ->capture_default_str()
      ->check(CLI::IsMember({"runtime", "size", "instcount"}));
  Command
      ->add_option("--budget", Options->Budget,
                   "search time per program and strategy: 20s, 2m, ...")
      ->capture_default_str();
  Command
      ->add_option("--strategies", Options->Strategies,
                   "strategies to compare (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(Names));
  Command
      ->add_option("--policy", Options->Policy,
                   "a trained checkpoint: adds the policy strategy")
      ->check(CLI::ExistingDirectory);
  Command
      ->add_option("--actions", Options->ActionsFile,
                   "action space file or builtin:NAME: the actions every "
                   "search may insert, and the policy's (default: the 124 "
                   "built-in actions)")
      ->check(actionSpaceArgument());
  Command->add_flag("--no-opt-process", Options->NoOptProcess,
                    "leave out the random search through opt-19 processes");
  Command
      ->add_option("--jobs", Options->Bench.Jobs,
                   "candidates evaluated in parallel (default: the cores)")
      ->capture_default_str()
      ->check(wholeNumber(1, 256));
  Command->add_option("--cpu", Options->Cpu, "pin measured runs to this CPU")
      ->check(wholeNumber(0, 4095));
  addSeedAndJson(*Command, Options->Bench.Seed, Options->Bench.JsonPath);
  runWith(*Command, [Options] {
    SearchBenchOptions &Run = Options->Bench;
    auto Budget = parseDuration(Options->Budget);
    if (!Budget)
      return reportError(llvm::createStringError(
          "invalid --budget '" + Options->Budget +
          "': give a positive time such as 20s or 2m"));
    Run.Budget = std::chrono::duration<double>(*Budget);
    Run.Goal = *parseObjective(Options->Objective);
    for (const std::string &Name : Options->Strategies)
      Run.Strategies.push_back(*parseStrategy(Name));
    Run.OptProcessBaseline = !Options->NoOptProcess;
    bool WantsPolicy = llvm::is_contained(Run.Strategies, StrategyKind::Policy);
    if (WantsPolicy && Options->Policy.empty())
      return reportError(llvm::createStringError(
          "the policy strategy needs a trained policy: --policy CHECKPOINT"));
    auto Actions = ActionSpace::load(Options->ActionsFile);
    if (!Actions)
      return reportError(Actions.takeError());
    Run.Actions = *Actions;
    if (!Options->Policy.empty())
      Run.PolicyFor = [Policy = Options->Policy, Seed = Run.Seed,
                       ActionsFile =
                           Options->ActionsFile](const std::string &Uri) {
        return policyProposals(Uri, Policy, ActionsFile, Seed);
      };
    MeasurementOptions Measure;
    Measure.Cpu = Options->Cpu;
    // As optimize does: measured in this run, not taken from earlier ones.
    Run.Measurement =
        std::make_shared<MeasurementContext>(Measure, /*CachePath=*/"");
    std::vector<std::string> Uris;
    for (const std::string &Spec : Run.Benchmarks) {
      auto Expanded = expandDataset(Spec);
      if (!Expanded)
        return reportError(Expanded.takeError());
      llvm::append_range(Uris, *Expanded);
    }
    Run.Benchmarks = std::move(Uris);
    return withProgress("bench search", [&](const Progress &P) {
      return runSearchBench(Run, llvm::outs(), P);
    });
  });
}

} // namespace

void addBenchCommand(CLI::App &App) {
  CLI::App *Bench = App.add_subcommand(
      "bench", "Benchmarks that report medians and ratios against a baseline "
               "measured in the same run.");
  Bench->require_subcommand(1);
  addEnvBench(*Bench);
  addEpisodeBench(*Bench);
  addProxyBench(*Bench);
  addRuntimeBench(*Bench);
  addSearchBench(*Bench);
  addSoakBench(*Bench);
  addLearningBenchForward(*Bench);
}

} // namespace passgym::cli
