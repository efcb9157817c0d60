#include "cli/Commands.h"
#include "cli/Common.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

int runDatasets(bool Verbose) {
  std::vector<std::string> Names = builtinBenchmarkNames();
  llvm::outs() << "dataset       benchmarks  URI\n"
               << "builtin-v0    " << llvm::left_justify(std::to_string(Names.size()), 10)
               << "  benchmark://builtin-v0/NAME\n"
               << "file          -           file://PATH (.c .cc .cpp .ll .bc)\n";
  if (!Verbose)
    return 0;
  llvm::outs() << "\n";
  for (const std::string &Name : Names)
    llvm::outs() << "benchmark://builtin-v0/" << Name << "\n";
  return 0;
}

} // namespace

void addDatasetsCommand(CLI::App &App) {
  auto Verbose = std::make_shared<bool>(false);
  CLI::App *Command = App.add_subcommand(
      "datasets", "List the datasets and, with --list, their benchmarks.");
  Command->add_flag("-l,--list", *Verbose, "list every benchmark URI");
  runWith(*Command, [Verbose] { return runDatasets(*Verbose); });
}

} // namespace passgym::cli
