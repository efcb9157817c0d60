#include "cli/Commands.h"
#include "cli/Common.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace passgym::cli {
namespace {

struct PassesOptions {
  std::string ActionsFile;
  bool Json = false;
};

int runPasses(const PassesOptions &Options) {
  auto Space = ActionSpace::load(Options.ActionsFile);
  if (!Space)
    return reportError(Space.takeError());
  const std::vector<Action> &Actions = (*Space)->actions();
  if (Options.Json) {
    nlohmann::json List = nlohmann::json::array();
    for (size_t I = 0; I < Actions.size(); ++I)
      List.push_back({{"index", I},
                      {"name", Actions[I].Name},
                      {"pipeline", Actions[I].Pipeline}});
    llvm::outs() << List.dump(2) << "\n";
    return 0;
  }
  size_t NameWidth = 4;
  for (const Action &A : Actions)
    NameWidth = std::max(NameWidth, A.Name.size());
  llvm::outs() << "index  " << llvm::left_justify("name", NameWidth)
               << "  pipeline\n";
  for (size_t I = 0; I < Actions.size(); ++I)
    llvm::outs() << llvm::format("%5zu  ", I)
                 << llvm::left_justify(Actions[I].Name, NameWidth) << "  "
                 << Actions[I].Pipeline << "\n";
  llvm::outs() << Actions.size() << " actions in " << (*Space)->name() << "\n";
  return 0;
}

} // namespace

void addPassesCommand(CLI::App &App) {
  auto Options = std::make_shared<PassesOptions>();
  CLI::App *Command = App.add_subcommand(
      "passes", "List the actions: index, name and `opt -passes=` pipeline.\n"
                "Example: passgym passes --actions my-space.txt");
  Command
      ->add_option("--actions", Options->ActionsFile,
                   "action space file (one `opt -passes` text per line)")
      ->check(actionSpaceArgument());
  Command->add_flag("--json", Options->Json, "print JSON");
  runWith(*Command, [Options] { return runPasses(*Options); });
}

} // namespace passgym::cli
