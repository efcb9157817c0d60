//===- cli/LearningCommands.cpp - train, eval, bench learning -------------===//
//
// The learning commands live in a second executable, passgym-learn, built
// only when libtorch is found: loading libtorch costs every passgym
// invocation hundreds of milliseconds, and passgym must build without it.
// These subcommands hand their arguments over to it with execv.
//
//===----------------------------------------------------------------------===//
#include "cli/Commands.h"
#include "cli/Common.h"

#include "llvm/Support/FileSystem.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace passgym::cli {
namespace {

int forward(std::vector<std::string> Arguments) {
  std::string Binary = learningBinary();
  if (!llvm::sys::fs::can_execute(Binary))
    return reportError(llvm::createStringError(
        "'" + Arguments.front() +
        "' needs libtorch: this passgym was built without it (no '" + Binary +
        "'); install libtorch-dev (scripts/install-deps.sh) and rebuild"));
  std::vector<char *> Argv;
  Argv.push_back(Binary.data());
  for (std::string &A : Arguments)
    Argv.push_back(A.data());
  Argv.push_back(nullptr);
  // Torch allocates and frees tensors of tens of megabytes at every step;
  // glibc serves those with mmap and hands them back with munmap, so every
  // step paid page faults on fresh memory: half the wall time of training.
  // Keeping them in the heap must be set before the process starts.
  ::setenv("GLIBC_TUNABLES",
           "glibc.malloc.mmap_threshold=4294967295:"
           "glibc.malloc.trim_threshold=4294967295",
           /*overwrite=*/0);
  ::execv(Binary.c_str(), Argv.data());
  return reportError(
      llvm::createStringError(std::error_code(errno, std::generic_category()),
                              "cannot run '" + Binary + "'"));
}

/// A subcommand whose arguments, --help included, all go to passgym-learn.
void addForwarded(CLI::App &Parent, const std::string &Name,
                  const std::string &Description,
                  std::vector<std::string> Prefix) {
  CLI::App *Command = Parent.add_subcommand(Name, Description);
  Command->prefix_command();
  Command->set_help_flag();
  runWith(*Command, [Command, Prefix = std::move(Prefix)] {
    std::vector<std::string> Arguments = Prefix;
    for (const std::string &A : Command->remaining())
      Arguments.push_back(A);
    return forward(std::move(Arguments));
  });
}

} // namespace

void addLearningCommands(CLI::App &App) {
  addForwarded(App, "train",
               "Train a PPO or SAC agent (graph neural network over ProGraML "
               "graphs) on a dataset; see passgym train --help.",
               {"train"});
  addForwarded(App, "eval",
               "Run a trained policy on a dataset and compare with -O0, -O3 "
               "and -Oz; see passgym eval --help.",
               {"eval"});
  addForwarded(App, "propose",
               "Sample pass sequences for a program from a trained policy; "
               "see passgym propose --help.",
               {"propose"});
}

void addLearningBenchForward(CLI::App &Bench) {
  addForwarded(Bench, "learning",
               "Graph network forward+backward time against graph size, and "
               "a policy step next to an environment step.",
               {"bench", "learning"});
}

} // namespace passgym::cli
