#include "cli/Commands.h"
#include "cli/Common.h"

#include "bench/EnvBench.h"
#include "bench/EpisodeBench.h"
#include "bench/RuntimeBench.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

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
      ->check(CLI::PositiveNumber);
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "repetitions of fork and object-size timings")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  Command
      ->add_option("--large-module", Options->LargeModuleInstructions,
                   "instructions in the generated module for the fork "
                   "target")
      ->capture_default_str();
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str();
  Command->add_option("--json", Options->JsonPath, "also write JSON here");
  runWith(*Command, [Options] {
    ProgressBar Bar("bench env");
    llvm::Error E = runEnvBench(*Options, llvm::outs(), [&](double Fraction) {
      Bar.update(Fraction, "");
    });
    Bar.finish();
    return E ? reportError(std::move(E)) : 0;
  });
}

void addEpisodeBench(CLI::App &Bench) {
  auto Options = std::make_shared<EpisodeBenchOptions>();
  CLI::App *Command = Bench.add_subcommand(
      "episode",
      "A random episode through the environment against one opt-19 process "
      "running the same pipeline (commandline()) on the same input, "
      "interleaved: medians, their ratio, and the share of a step spent "
      "outside LLVM's passes.\n"
      "Examples:\n"
      "  passgym bench episode\n"
      "  passgym bench episode manifest:suite.json#bzip2 --actions 100");
  Command->add_option("benchmarks", Options->Benchmarks,
                      "benchmarks (default: three built-ins and "
                      "generator://linked-builtins-v0/26)");
  Command->add_option("--actions", Options->Actions, "actions per episode")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "times each episode is replayed each way")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str();
  Command->add_option("--json", Options->JsonPath, "also write JSON here");
  runWith(*Command, [Options] {
    ProgressBar Bar("bench episode");
    llvm::Error E =
        runEpisodeBench(*Options, llvm::outs(),
                        [&](double Fraction) { Bar.update(Fraction, ""); });
    Bar.finish();
    return E ? reportError(std::move(E)) : 0;
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
      ->check(CLI::PositiveNumber);
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "independent measurements for the repeatability figure")
      ->capture_default_str()
      ->check(CLI::Range(2u, 1000u));
  Command
      ->add_option("--episode-length", Options->EpisodeLength,
                   "actions in the replayed episode")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  Command->add_option("--cpu", Options->Cpu, "pin measured runs to this CPU");
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str();
  Command->add_option("--json", Options->JsonPath, "also write JSON here");
  runWith(*Command, [Options] {
    ProgressBar Bar("bench runtime");
    llvm::Error E =
        runRuntimeBench(*Options, llvm::outs(),
                        [&](double Fraction) { Bar.update(Fraction, ""); });
    Bar.finish();
    return E ? reportError(std::move(E)) : 0;
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
  addRuntimeBench(*Bench);
  addLearningBenchForward(*Bench);
}

} // namespace passgym::cli
