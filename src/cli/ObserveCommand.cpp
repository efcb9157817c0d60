#include "cli/Commands.h"
#include "cli/Common.h"

#include "env/Environment.h"
#include "graph/GraphExport.h"
#include "graph/LlvmGraphBuilder.h"
#include "observations/Features.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace passgym::cli {
namespace {

struct ObserveOptions {
  std::string benchmark{kDefaultBenchmark};
  std::vector<std::string> spaces{"IrInstructionCount"};
  std::vector<std::string> apply;
  std::string actionsFile;
  bool json = false;
  std::string format = "json";
};

const std::vector<std::string> *featureNames(llvm::StringRef Space) {
  if (Space == "Autophase")
    return &autophaseFeatureNames();
  if (Space == "InstCount")
    return &instCountFeatureNames();
  return nullptr;
}

nlohmann::json toJson(const Observation &Value) {
  return std::visit([](const auto &V) { return nlohmann::json(V); }, Value);
}

void printText(llvm::StringRef Space, const Observation &Value, bool Labelled) {
  if (const auto *Vector = std::get_if<std::vector<int64_t>>(&Value)) {
    const std::vector<std::string> *Names = featureNames(Space);
    for (size_t I = 0; I < Vector->size(); ++I) {
      if (Names && I < Names->size())
        llvm::outs() << (Labelled ? Space.str() + "." : "") << (*Names)[I]
                     << " ";
      llvm::outs() << (*Vector)[I] << (Names ? "\n" : " ");
    }
    if (!Names)
      llvm::outs() << "\n";
    return;
  }
  if (Labelled)
    llvm::outs() << Space << " ";
  if (const auto *Number = std::get_if<int64_t>(&Value))
    llvm::outs() << *Number << "\n";
  else if (const auto *Measured = std::get_if<double>(&Value))
    llvm::outs() << llvm::format("%.4f", *Measured) << "\n";
  else
    llvm::outs() << std::get<std::string>(Value) << (Space == "Ir" ? "" : "\n");
}

int runObserve(const ObserveOptions &Options) {
  for (const std::string &Name : Options.spaces)
    if (auto Found = findObservationSpace(Name); !Found)
      return reportError(Found.takeError());
  bool WantsBitcode = std::find(Options.spaces.begin(), Options.spaces.end(),
                                "Bitcode") != Options.spaces.end();
  if (WantsBitcode && !Options.json)
    return reportError(llvm::createStringError(
        "Bitcode is binary: use `passgym apply BENCHMARK -o FILE.bc` instead"));
  auto Env = replay(Options.benchmark, Options.actionsFile, Options.apply);
  if (!Env)
    return reportError(Env.takeError());

  nlohmann::json Json;
  for (const std::string &Name : Options.spaces) {
    if (Name == "Programl" && Options.format == "dot") {
      auto Graph = graph::buildProgramGraph((*Env)->module());
      if (!Graph)
        return reportError(Graph.takeError());
      llvm::outs() << graph::toGraphviz(*Graph);
      continue;
    }
    auto Value = (*Env)->observe(Name);
    if (!Value)
      return reportError(Value.takeError());
    // The graph is JSON already: embed it, not its text.
    if (Options.json)
      Json[Name] = Name == "Programl"
                       ? nlohmann::json::parse(std::get<std::string>(*Value))
                       : toJson(*Value);
    else
      printText(Name, *Value, Options.spaces.size() > 1);
  }
  if (Options.json)
    llvm::outs() << Json.dump(2) << "\n";
  return 0;
}

} // namespace

void addObserveCommand(CLI::App &App) {
  auto Options = std::make_shared<ObserveOptions>();
  std::string Spaces;
  for (const ObservationSpace &Space : observationSpaces())
    Spaces += "\n  " + Space.name + ": " + Space.description;
  CLI::App *Command = App.add_subcommand(
      "observe", "Print observations of a program, optionally after applying "
                 "actions.\nExamples:\n"
                 "  passgym observe prog.c --space Autophase\n"
                 "  passgym observe benchmark://builtin-v0/crc32 --apply "
                 "sroa,gvn --space IrInstructionCount --space "
                 "IrInstructionCountOz\nSpaces:" +
                     Spaces);
  Command
      ->add_option("benchmark", Options->benchmark,
                   "file (.c .cc .cpp .ll .bc) or benchmark URI")
      ->capture_default_str();
  Command
      ->add_option("-s,--space", Options->spaces,
                   "observation space (repeat for several)")
      ->capture_default_str()
      ->allow_extra_args(false);
  Command
      ->add_option("--apply", Options->apply,
                   "actions to apply first (names or indices, "
                   "comma-separated)")
      ->allow_extra_args(false);
  Command->add_option("--actions", Options->actionsFile, "action space file")
      ->check(CLI::ExistingFile);
  Command->add_flag("--json", Options->json, "print JSON");
  Command
      ->add_option("--format", Options->format,
                   "how to print Programl: json or dot (Graphviz)")
      ->check(CLI::IsMember({"json", "dot"}))
      ->capture_default_str();
  runWith(*Command, [Options] { return runObserve(*Options); });
}

} // namespace passgym::cli
