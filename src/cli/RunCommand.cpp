#include "cli/Commands.h"
#include "cli/Common.h"

#include "runtime/Runtime.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

namespace passgym::cli {
namespace {

struct RunOptions {
  std::string Benchmark;
  std::vector<std::string> Sequence;
  std::string ActionsFile;
  passgym::Isolation Isolation = Isolation::Worker;
  int Lines = 10;
};

/// The first \p Lines lines of \p Text, indented, and how much more there is.
void printHead(llvm::StringRef Label, llvm::StringRef Text, int Lines) {
  llvm::outs() << llvm::left_justify(Label, 12) << Text.size() << " bytes\n";
  llvm::StringRef Rest = Text;
  for (int I = 0; I < Lines && !Rest.empty(); ++I) {
    auto [Line, After] = Rest.split('\n');
    llvm::outs() << "  | " << Line << "\n";
    Rest = After;
  }
  if (!Rest.empty())
    llvm::outs() << "  | ... (" << Rest.size() << " more bytes)\n";
}

int runRun(const RunOptions &Options) {
  EnvironmentOptions Env0;
  Env0.Isolation = Options.Isolation;
  auto Env = replay(Options.Benchmark, Options.ActionsFile, Options.Sequence,
                    std::move(Env0));
  if (!Env)
    return reportError(Env.takeError());
  const Benchmark &B = (*Env)->benchmark();
  if (!B.runSpec())
    return reportError(llvm::createStringError(
        "benchmark '" + B.uri() + "' is not runnable (it has no run spec)"));
  auto Module = (*Env)->module();
  if (!Module)
    return reportError(Module.takeError());
  auto Built = Program::build(*Module, *B.runSpec());
  if (!Built)
    return reportError(Built.takeError());
  auto Outcome = Built->run(*B.runSpec());
  if (!Outcome)
    return reportError(llvm::createStringError("running '" + B.uri() +
                                               "': " +
                                               llvm::toString(Outcome.takeError())));
  const ProgramBehaviour &Ran = Outcome->first;
  llvm::outs() << "benchmark   " << B.uri() << "\n"
               << "actions     " << (*Env)->actionHistory().size()
               << ((*Env)->actionHistory().empty() ? " (unoptimized)" : "")
               << "\n"
               << "exit code   " << Ran.ExitCode
               << (Ran.ExitCode == B.runSpec()->ExpectedExitCode
                       ? ""
                       : " (expected " +
                             std::to_string(B.runSpec()->ExpectedExitCode) +
                             ")")
               << "\n"
               << "run time    " << llvm::format("%.4f", Outcome->second)
               << " ms (the program's main, one run"
               << (Ran.Calls > 1
                       ? "; main called " + std::to_string(Ran.Calls) +
                             " times, time per call"
                       : std::string())
               << ")\n";
  printHead("stdout", Ran.StandardOutput, Options.Lines);
  printHead("stderr", Ran.StandardError, Options.Lines);
  for (const auto &[Name, Contents] : Ran.OutputFiles)
    llvm::outs() << llvm::left_justify("file", 12) << Name << ": "
                 << Contents.size() << " bytes\n";
  return 0;
}

} // namespace

void addRunCommand(CLI::App &App) {
  auto Options = std::make_shared<RunOptions>();
  CLI::App *Command = App.add_subcommand(
      "run",
      "Build a runnable benchmark (after the actions, if any) and run it once "
      "as passgym measures it: its exit code, run time and the start of its "
      "output. Useful to see that a benchmark of a manifest works.\n"
      "Examples:\n"
      "  passgym run benchmark://builtin-v0/qsort\n"
      "  passgym run manifest:suite/manifest.json#bzip2 sroa,gvn");
  Command->add_option("benchmark", Options->Benchmark,
                      "runnable benchmark URI or file")
      ->required();
  Command->add_option("sequence", Options->Sequence,
                      "actions by name or index (comma- or space-separated)");
  Command->add_option("--actions", Options->ActionsFile, "action space file")
      ->check(actionSpaceArgument());
  Command->add_option("--lines", Options->Lines,
                      "lines of stdout and stderr to show")
      ->capture_default_str()
      ->check(wholeNumber(0, 100000));
  addIsolationOption(*Command, Options->Isolation);
  runWith(*Command, [Options] { return runRun(*Options); });
}

} // namespace passgym::cli
