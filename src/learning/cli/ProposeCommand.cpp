#include "learning/cli/Commands.h"

#include "cli/Common.h"
#include "learning/evaluation/Proposals.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::learning::cli {

void addProposeCommand(CLI::App &App) {
  auto Options = std::make_shared<ProposeOptions>();
  CLI::App *Command = App.add_subcommand(
      "propose",
      "Sample pass sequences for a program from a trained policy: the first "
      "greedy, the others drawn from the policy's distribution; one opt-19 "
      "-passes= text per line for the unoptimized program: the pipeline the "
      "policy's training started from (train --start-from), if any, then the "
      "actions, those that changed nothing left out. "
      "passgym optimize --strategy policy --policy DIR measures them.\n"
      "Example: passgym propose --policy runs/ppo/checkpoint "
      "benchmark://builtin-v0/qsort --count 8");
  Command->add_option("benchmark", Options->Benchmark, "benchmark URI or file")
      ->required();
  Command->add_option("--policy", Options->Policy, "checkpoint directory")
      ->required();
  Command->add_option("--count", Options->Count, "episodes to run")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 100000));
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(0, INT64_MAX));
  Command
      ->add_option("--temperature", Options->Temperature,
                   "softmax temperature of the sampled episodes")
      ->capture_default_str()
      ->check(passgym::cli::realNumber(1e-3, 1e3));
  Command
      ->add_option("--episode-length", Options->EpisodeLength,
                   "steps per episode (default: as trained)")
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command
      ->add_option("--actions", Options->ActionsFile,
                   "the action space the policy was trained on (default: "
                   "the one its checkpoint recorded)")
      ->check(passgym::cli::actionSpaceArgument());
  Command
      ->add_option("--vocabulary", Options->VocabularyFile,
                   "refuse a policy trained with another vocabulary")
      ->check(CLI::ExistingFile);
  passgym::cli::runWith(*Command, [Options] {
    auto Proposals = proposeSequences(*Options);
    if (!Proposals)
      return passgym::cli::reportError(Proposals.takeError());
    for (const std::vector<std::string> &Pipelines : *Proposals)
      llvm::outs() << llvm::join(Pipelines, ",") << "\n";
    return 0;
  });
}

} // namespace passgym::learning::cli
