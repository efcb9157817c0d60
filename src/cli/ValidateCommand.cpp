#include "cli/Commands.h"
#include "cli/Common.h"

#include "costs/Measurement.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

struct ValidateOptions {
  std::string Benchmark;
  std::vector<std::string> Sequence;
  std::string ActionsFile;
  passgym::Isolation Isolation = Isolation::Worker;
};

int runValidate(const ValidateOptions &Options) {
  EnvironmentOptions Env0;
  Env0.Isolation = Options.Isolation;
  auto Env = replay(Options.Benchmark, Options.ActionsFile, Options.Sequence,
                    std::move(Env0));
  if (!Env)
    return reportError(Env.takeError());
  auto Module = (*Env)->module();
  if (!Module)
    return reportError(Module.takeError());
  if (llvm::Error E = validateModule(*Module, (*Env)->benchmark()))
    return reportError(
        llvm::handleErrors(std::move(E), [&](const BehaviourDifference &D) {
          return llvm::createStringError(
              "behaviour changed after " +
              std::to_string((*Env)->actionHistory().size()) +
              " actions: " + D.message());
        }));
  llvm::outs() << "valid: " << (*Env)->benchmark().uri() << " behaves as its "
               << "unoptimized program after " << (*Env)->actionHistory().size()
               << " actions\n";
  return 0;
}

} // namespace

void addValidateCommand(CLI::App &App) {
  auto Options = std::make_shared<ValidateOptions>();
  CLI::App *Command = App.add_subcommand(
      "validate",
      "Replay a sequence on a runnable benchmark and check that the program "
      "still behaves as the unoptimized one (exit code, stdout, declared "
      "output files).\nExample: passgym validate benchmark://builtin-v0/crc32 "
      "sroa,gvn,loop-unroll");
  Command->add_option("benchmark", Options->Benchmark, "runnable benchmark URI")
      ->required();
  Command->add_option("sequence", Options->Sequence,
                      "actions by name or index (comma- or space-separated)");
  Command->add_option("--actions", Options->ActionsFile, "action space file")
      ->check(actionSpaceArgument());
  addIsolationOption(*Command, Options->Isolation);
  runWith(*Command, [Options] { return runValidate(*Options); });
}

} // namespace passgym::cli
