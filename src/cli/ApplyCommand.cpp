#include "cli/Commands.h"
#include "cli/Common.h"
#include "support/Files.h"

#include "costs/Cost.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

struct ApplyOptions {
  std::string Benchmark;
  std::vector<std::string> Sequence;
  std::string Output = "-";
  std::string ActionsFile;
  passgym::Isolation Isolation = Isolation::Worker;
};

int runApply(const ApplyOptions &Options) {
  if (Options.Output != "-")
    if (llvm::Error E = checkWritable(Options.Output))
      return reportError(std::move(E));
  EnvironmentOptions Env0;
  Env0.Isolation = Options.Isolation;
  auto Env = replay(Options.Benchmark, Options.ActionsFile, Options.Sequence,
                    std::move(Env0));
  if (!Env)
    return reportError(Env.takeError());
  auto Module = (*Env)->module();
  if (!Module)
    return reportError(Module.takeError());
  const llvm::Module &M = *Module;
  if (llvm::Error E = writeModule(M, Options.Output))
    return reportError(std::move(E));
  llvm::errs() << "instructions: "
               << static_cast<int64_t>((*Env)->reward().initialCost()) << " -> "
               << M.getInstructionCount() << "\n"
               << "reproduce with: "
               << (*Env)->commandline("INPUT.bc", Options.Output) << "\n";
  return 0;
}

} // namespace

void addApplyCommand(CLI::App &App) {
  auto Options = std::make_shared<ApplyOptions>();
  CLI::App *Command = App.add_subcommand(
      "apply",
      "Apply a sequence of actions and write the resulting module.\n"
      "Examples:\n"
      "  passgym apply prog.c sroa,instcombine,gvn -o prog.opt.ll\n"
      "  passgym apply benchmark://builtin-v0/crc32 3 17 42 -o out.bc");
  Command
      ->add_option("benchmark", Options->Benchmark,
                   "file (.c .cc .cpp .ll .bc) or benchmark URI")
      ->required();
  Command->add_option("sequence", Options->Sequence,
                      "actions by name or index (comma- or space-separated)");
  Command
      ->add_option("-o,--output", Options->Output,
                   "output file: .bc writes bitcode, anything else IR text; "
                   "- is stdout")
      ->capture_default_str();
  Command->add_option("--actions", Options->ActionsFile, "action space file")
      ->check(actionSpaceArgument());
  addIsolationOption(*Command, Options->Isolation);
  runWith(*Command, [Options] { return runApply(*Options); });
}

} // namespace passgym::cli
