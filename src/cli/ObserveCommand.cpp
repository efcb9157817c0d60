#include "cli/Commands.h"
#include "cli/Common.h"

#include "env/Environment.h"
#include "graph/GraphExport.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace passgym::cli {
namespace {

struct ObserveOptions {
  std::string Benchmark{kDefaultBenchmark};
  std::vector<std::string> Spaces{"IrInstructionCount"};
  std::vector<std::string> Apply;
  std::string ActionsFile;
  bool Json = false;
  std::string GraphFormat = "json";
  passgym::Isolation Isolation = Isolation::Worker;
};

nlohmann::json toJson(const Observation &Value) {
  if (const auto *Graph = std::get_if<graph::ProgramGraph>(&Value))
    return nlohmann::json::parse(graph::toProgramlJson(*Graph));
  return std::visit(
      [](const auto &V) -> nlohmann::json {
        if constexpr (std::is_same_v<std::decay_t<decltype(V)>,
                                     graph::ProgramGraph>)
          llvm_unreachable("graphs are handled above");
        else
          return V;
      },
      Value);
}

void printText(const ObservationSpace &Space, const Observation &Value,
               bool Labelled) {
  std::string Label = Labelled ? Space.Name + " " : "";
  switch (Space.Kind) {
  case ObservationKind::IntVector: {
    const auto &Vector = std::get<std::vector<int64_t>>(Value);
    for (size_t I = 0; I < Vector.size(); ++I)
      llvm::outs() << (Labelled ? Space.Name + "." : "")
                   << Space.FeatureNames[I] << " " << Vector[I] << "\n";
    return;
  }
  case ObservationKind::Int:
    llvm::outs() << Label << std::get<int64_t>(Value) << "\n";
    return;
  case ObservationKind::Double:
    llvm::outs() << Label << llvm::format("%.4f", std::get<double>(Value))
                 << "\n";
    return;
  case ObservationKind::Text: {
    llvm::StringRef Text = std::get<std::string>(Value);
    llvm::outs() << Label << Text << (Text.ends_with("\n") ? "" : "\n");
    return;
  }
  case ObservationKind::Graph:
    llvm::outs() << Label
                 << graph::toProgramlJson(std::get<graph::ProgramGraph>(Value))
                 << "\n";
    return;
  case ObservationKind::Binary:
    break;
  }
  llvm_unreachable("binary observations are refused before printing");
}

/// The format \p Space is printed in, or an error when it has none.
llvm::Expected<ObservationFormat> formatFor(const ObservationSpace &Space,
                                            const ObserveOptions &Options) {
  if (Space.formats().empty())
    return llvm::createStringError(
        Space.Name + " is " + observationKindName(Space.Kind).str() +
        ": use `passgym apply BENCHMARK -o FILE.bc` to write it to a file");
  if (Options.Json)
    return ObservationFormat::Json;
  if (Options.GraphFormat == "dot" && Space.supports(ObservationFormat::Dot))
    return ObservationFormat::Dot;
  return Space.formats().front();
}

int runObserve(const ObserveOptions &Options) {
  std::vector<std::pair<const ObservationSpace *, ObservationFormat>> Spaces;
  for (const std::string &Name : Options.Spaces) {
    auto Found = findObservationSpace(Name);
    if (!Found)
      return reportError(Found.takeError());
    auto Format = formatFor(*Found, Options);
    if (!Format)
      return reportError(Format.takeError());
    Spaces.emplace_back(&*Found, *Format);
  }
  EnvironmentOptions Env0;
  Env0.Isolation = Options.Isolation;
  auto Env = replay(Options.Benchmark, Options.ActionsFile, Options.Apply,
                    std::move(Env0));
  if (!Env)
    return reportError(Env.takeError());

  nlohmann::json Json;
  for (auto [Space, Format] : Spaces) {
    auto Value = (*Env)->observe(Space->Name);
    if (!Value)
      return reportError(Value.takeError());
    if (Format == ObservationFormat::Dot)
      llvm::outs() << graph::toGraphviz(std::get<graph::ProgramGraph>(*Value));
    else if (Options.Json)
      Json[Space->Name] = toJson(*Value);
    else
      printText(*Space, *Value, Spaces.size() > 1);
  }
  if (Options.Json)
    llvm::outs() << Json.dump(2) << "\n";
  return 0;
}

} // namespace

void addObserveCommand(CLI::App &App) {
  auto Options = std::make_shared<ObserveOptions>();
  std::string Spaces;
  for (const ObservationSpace &Space : observationSpaces())
    Spaces += "\n  " + Space.Name + " (" +
              observationKindName(Space.Kind).str() + "): " + Space.Description;
  CLI::App *Command = App.add_subcommand(
      "observe", "Print observations of a program, optionally after applying "
                 "actions.\nExamples:\n"
                 "  passgym observe prog.c --space Autophase\n"
                 "  passgym observe benchmark://builtin-v0/crc32 --apply "
                 "sroa,gvn --space IrInstructionCount --space "
                 "IrInstructionCountOz\nSpaces:" +
                     Spaces);
  Command
      ->add_option("benchmark", Options->Benchmark,
                   "file (.c .cc .cpp .ll .bc) or benchmark URI")
      ->capture_default_str();
  Command
      ->add_option("-s,--space", Options->Spaces,
                   "observation space (repeat for several)")
      ->capture_default_str()
      ->allow_extra_args(false);
  Command
      ->add_option("--apply", Options->Apply,
                   "actions to apply first (names or indices, "
                   "comma-separated)")
      ->allow_extra_args(false);
  Command->add_option("--actions", Options->ActionsFile, "action space file")
      ->check(actionSpaceArgument());
  Command->add_flag("--json", Options->Json, "print JSON");
  Command
      ->add_option("--format", Options->GraphFormat,
                   "how to print graphs (Programl): json or dot (Graphviz)")
      ->check(CLI::IsMember({"json", "dot"}))
      ->capture_default_str();
  addIsolationOption(*Command, Options->Isolation);
  runWith(*Command, [Options] { return runObserve(*Options); });
}

} // namespace passgym::cli
