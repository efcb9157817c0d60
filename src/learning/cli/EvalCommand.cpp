#include "learning/cli/Commands.h"
#include "support/Files.h"

#include "cli/Common.h"
#include "learning/evaluation/Evaluation.h"
#include "support/TempDir.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::learning::cli {
namespace {

struct EvalCommandOptions {
  EvalRunOptions Run;
  bool NoRuntime = false;
  std::string JsonPath;
};

int runEval(EvalCommandOptions Options) {
  Options.Run.Runtime = !Options.NoRuntime;
  passgym::cli::ProgressBar Bar("eval");
  auto Result = runEvaluation(
      Options.Run, [&](size_t Done, size_t Total, const std::string &Uri) {
        Bar.update(static_cast<double>(Done) / Total, Uri);
      });
  Bar.finish();
  if (!Result)
    return passgym::cli::reportError(Result.takeError());
  printEvaluation(*Result, llvm::outs());
  if (Options.JsonPath.empty())
    return 0;
  if (llvm::Error E =
          writeFileAtomically(Options.JsonPath, evaluationJson(*Result)))
    return passgym::cli::reportError(std::move(E));
  llvm::outs() << "\nwritten to " << Options.JsonPath << "\n";
  return 0;
}

} // namespace

void addEvalCommand(CLI::App &App) {
  auto Options = std::make_shared<EvalCommandOptions>();
  CLI::App *Command = App.add_subcommand(
      "eval",
      "Run a trained policy greedily (its most likely pass at each step, no "
      "search) on each benchmark, from where its training episodes started "
      "(train --start-from: the output of -O3, say), then report instruction "
      "count against -Oz and measured speedup against -O0 and -O3 (runnable "
      "programs; every run validated), the start and the passes that changed "
      "the module, and geometric means.\n"
      "Examples:\n"
      "  passgym eval --policy runs/sac/checkpoint --dataset builtin-v0:test\n"
      "  passgym eval --policy runs/ppo/checkpoint --dataset prog.c "
      "--no-runtime --json eval.json");
  Command->add_option("--policy", Options->Run.Policy, "checkpoint directory")
      ->required();
  Command
      ->add_option("--dataset", Options->Run.Datasets,
                   "benchmarks, as for train")
      ->capture_default_str()
      ->delimiter(',');
  Command
      ->add_option("--episode-length", Options->Run.EpisodeLength,
                   "steps per benchmark (default: as trained)")
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command->add_flag("--no-runtime", Options->NoRuntime,
                    "skip execution-time measurements");
  Command
      ->add_option("--pairs", Options->Run.RemeasurePairs,
                   "interleaved pairs of runs of -O3's program and the "
                   "policy's per benchmark, for the speed-up against -O3 "
                   "with its 95% interval (0: skip)")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(0, 1000));
  Command
      ->add_option("--actions", Options->Run.ActionsFile,
                   "the action space the policy must have been trained on "
                   "(default: the one its checkpoint recorded)")
      ->check(passgym::cli::actionSpaceArgument());
  Command
      ->add_option("--vocabulary", Options->Run.VocabularyFile,
                   "refuse a policy trained with another vocabulary")
      ->check(CLI::ExistingFile);
  Command
      ->add_option("--cpu", Options->Run.Cpu, "pin measured runs to this CPU")
      ->check(passgym::cli::wholeNumber(0, 4095));
  Command->add_option("--json", Options->JsonPath, "also write JSON here");
  passgym::cli::runWith(*Command, [Options] { return runEval(*Options); });
}

} // namespace passgym::learning::cli
