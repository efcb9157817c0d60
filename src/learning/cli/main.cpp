#include "learning/cli/Commands.h"
#include "support/Cleanup.h"

#include "llvm/Support/InitLLVM.h"

#include <CLI/CLI.hpp>
#include <dlfcn.h>

namespace {

/// OpenBLAS's worker threads spin on sched_yield between the small matrix
/// products of a graph network, taking the core the environment and the
/// rest of torch need: on 2 cores that doubled the wall time of training.
/// Looked up at run time so that any other BLAS works too.
void useOneBlasThread() {
  using SetThreads = void (*)(int);
  if (auto Set = reinterpret_cast<SetThreads>(
          ::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    Set(1);
}

} // namespace

int main(int Argc, char **Argv) {
  llvm::InitLLVM Init(Argc, Argv);
  passgym::installInterruptCleanup();
  useOneBlasThread();
  CLI::App App{"passgym's learning commands (run through passgym: passgym "
               "train, passgym eval, passgym bench learning)."};
  App.name("passgym");
  App.require_subcommand(1);
  App.failure_message([](const CLI::App *, const CLI::Error &E) {
    return "passgym: error: " + std::string(E.what()) + " (see --help)\n";
  });
  passgym::learning::cli::addTrainCommand(App);
  passgym::learning::cli::addEvalCommand(App);
  passgym::learning::cli::addProposeCommand(App);
  CLI::App *Bench = App.add_subcommand(
      "bench", "Benchmarks that report medians and ratios against a baseline "
               "measured in the same run.");
  Bench->require_subcommand(1);
  passgym::learning::cli::addLearningBenchCommand(*Bench);
  try {
    App.parse(Argc, Argv);
  } catch (const CLI::ParseError &E) {
    return App.exit(E);
  }
  return 0;
}
