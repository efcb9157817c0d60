#include "cli/Commands.h"
#include "support/Cleanup.h"

#include "llvm/Support/InitLLVM.h"

#include <CLI/CLI.hpp>

int main(int Argc, char **Argv) {
  llvm::InitLLVM Init(Argc, Argv);
  passgym::installInterruptCleanup();
  CLI::App App{"passgym: find LLVM 19 pass sequences that make programs "
               "smaller and faster.\n\nExamples:\n"
               "  passgym search                      random search on the "
               "default built-in program\n"
               "  passgym search prog.c --time 60     search a C file for a "
               "minute\n"
               "  passgym apply prog.ll sroa,gvn -o out.ll\n"
               "  passgym observe prog.c --space Autophase\n"
               "  passgym train --agent sac --dataset builtin-v0:train\n"
               "  passgym eval --policy runs/sac/checkpoint --dataset "
               "builtin-v0:test"};
  App.require_subcommand(1);
  // Usage errors look like every other error: one line on stderr.
  App.failure_message([](const CLI::App *, const CLI::Error &E) {
    return "passgym: error: " + std::string(E.what()) + " (see --help)\n";
  });
  App.set_version_flag("--version", "passgym 0.1 (LLVM 19)");
  passgym::cli::addPassesCommand(App);
  passgym::cli::addObserveCommand(App);
  passgym::cli::addApplyCommand(App);
  passgym::cli::addSearchCommand(App);
  passgym::cli::addBenchCommand(App);
  passgym::cli::addDatasetsCommand(App);
  passgym::cli::addValidateCommand(App);
  passgym::cli::addRunCommand(App);
  passgym::cli::addOptimizeCommand(App);
  passgym::cli::addLearningCommands(App);
  try {
    App.parse(Argc, Argv);
  } catch (const CLI::ParseError &E) {
    return App.exit(E);
  }
  return 0;
}
