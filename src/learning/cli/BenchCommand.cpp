#include "learning/cli/Commands.h"

#include "cli/Common.h"
#include "learning/bench/LearningBench.h"
#include "learning/cli/Choices.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::learning::cli {

void addLearningBenchCommand(CLI::App &Bench) {
  auto Options = std::make_shared<LearningBenchOptions>();
  CLI::App *Command = Bench.add_subcommand(
      "learning",
      "What dominates a rollout: the graph network's forward+backward time "
      "per training batch against graph size, the latency of one policy "
      "step (graph build + forward + sampling) next to one environment "
      "step, and PPO's rollout steps per second with one environment and "
      "with --envs stepped at once, as medians.\n"
      "Example: passgym bench learning --encoder ggnn --json learning.json");
  Command->add_option("benchmarks", Options->Benchmarks,
                      "benchmarks (default: five built-ins from the smallest "
                      "graph to the largest)");
  addNetworkShape(*Command, Options->Network);
  Command->add_option("--batch", Options->BatchSize, "graphs per batch")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command
      ->add_option("--repetitions", Options->Repetitions,
                   "timed repetitions per measurement")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command
      ->add_option("--steps", Options->Steps,
                   "environment steps timed per benchmark")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command
      ->add_option("--envs", Options->Environments,
                   "environments of the parallel rollouts (default: the "
                   "cores, at least 2)")
      ->check(passgym::cli::wholeNumber(1, 4096));
  Command
      ->add_option("--rollout-steps", Options->RolloutSteps,
                   "steps per environment in each timed rollout")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(0, INT64_MAX));
  Command->add_option("--json", Options->JsonPath, "also write JSON here");
  passgym::cli::runWith(*Command, [Options] {
    passgym::cli::ProgressBar Bar("bench learning");
    llvm::Error E = runLearningBench(*Options, llvm::outs(),
                                     [&](double F) { Bar.update(F, ""); });
    Bar.finish();
    return E ? passgym::cli::reportError(std::move(E)) : 0;
  });
}

} // namespace passgym::learning::cli
