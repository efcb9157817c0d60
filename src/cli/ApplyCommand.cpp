#include "cli/Commands.h"
#include "cli/Common.h"

#include "observations/Cost.h"
#include "support/TempDir.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

struct ApplyOptions {
  std::string benchmark;
  std::vector<std::string> sequence;
  std::string output = "-";
  std::string actionsFile;
};

std::string serialize(const llvm::Module &M, bool AsBitcode) {
  std::string Bytes;
  llvm::raw_string_ostream Stream(Bytes);
  if (AsBitcode)
    llvm::WriteBitcodeToFile(M, Stream);
  else
    M.print(Stream, nullptr);
  return Bytes;
}

int runApply(const ApplyOptions &Options) {
  auto Env = replay(Options.benchmark, Options.actionsFile, Options.sequence);
  if (!Env)
    return reportError(Env.takeError());
  const llvm::Module &M = (*Env)->module();
  bool AsBitcode = llvm::StringRef(Options.output).ends_with(".bc");
  std::string Bytes = serialize(M, AsBitcode);
  if (Options.output == "-")
    llvm::outs() << Bytes;
  else if (llvm::Error E = writeFileAtomically(Options.output, Bytes))
    return reportError(std::move(E));
  llvm::errs() << "instructions: "
               << static_cast<int64_t>((*Env)->reward().initialCost()) << " -> "
               << M.getInstructionCount() << "\n"
               << "reproduce with: "
               << (*Env)->commandline("INPUT.bc", Options.output) << "\n";
  return 0;
}

} // namespace

void addApplyCommand(CLI::App &App) {
  auto Options = std::make_shared<ApplyOptions>();
  CLI::App *Command = App.add_subcommand(
      "apply", "Apply a sequence of actions and write the resulting module.\n"
               "Examples:\n"
               "  passgym apply prog.c sroa,instcombine,gvn -o prog.opt.ll\n"
               "  passgym apply benchmark://builtin-v0/crc32 3 17 42 -o out.bc");
  Command->add_option("benchmark", Options->benchmark,
                      "file (.c .cc .cpp .ll .bc) or benchmark URI")
      ->required();
  Command->add_option("sequence", Options->sequence,
                      "actions by name or index (comma- or space-separated)");
  Command->add_option("-o,--output", Options->output,
                      "output file: .bc writes bitcode, anything else IR text; "
                      "- is stdout")
      ->capture_default_str();
  Command->add_option("--actions", Options->actionsFile, "action space file")
      ->check(CLI::ExistingFile);
  runWith(*Command, [Options] { return runApply(*Options); });
}

} // namespace passgym::cli
