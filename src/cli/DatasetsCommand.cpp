#include "cli/Commands.h"
#include "cli/Common.h"

#include "datasets/Generators.h"
#include "datasets/Manifest.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <algorithm>

namespace passgym::cli {
namespace {

struct DatasetsOptions {
  bool List = false;
  std::string Manifest;
};

struct Row {
  std::string Dataset, Benchmarks, Runnable, UriForm;
};

void printTable(const std::vector<Row> &Rows) {
  size_t Width = std::string("dataset").size();
  for (const Row &R : Rows)
    Width = std::max(Width, R.Dataset.size());
  auto Print = [&](const Row &R) {
    llvm::outs() << llvm::left_justify(R.Dataset, Width + 2)
                 << llvm::left_justify(R.Benchmarks, 12)
                 << llvm::left_justify(R.Runnable, 11) << R.UriForm << "\n";
  };
  Print({"dataset", "benchmarks", "runnable", "URI"});
  for (const Row &R : Rows)
    Print(R);
}

/// Whether each of the manifest's benchmarks is runnable: "yes", "no", or
/// "error" (the message goes to \p Errors). Unless the manifest says, this
/// takes compiling the sources (or finding them in the compile cache) to see
/// whether they define main, so progress is shown.
std::vector<std::string> runnability(const Manifest &M,
                                     std::vector<std::string> &Errors) {
  std::vector<std::string> Result;
  ProgressBar Bar("compiling");
  for (size_t I = 0; I < M.Entries.size(); ++I) {
    const ManifestEntry &Entry = M.Entries[I];
    if (Entry.Runnable) {
      Result.push_back(*Entry.Runnable ? "yes" : "no");
      continue;
    }
    Bar.update(static_cast<double>(I) / M.Entries.size(), Entry.Name);
    auto Loaded = loadManifestEntry(M, Entry);
    if (!Loaded) {
      Errors.push_back(llvm::toString(Loaded.takeError()));
      Result.push_back("error");
      continue;
    }
    Result.push_back((*Loaded)->runSpec() ? "yes" : "no");
  }
  Bar.finish();
  return Result;
}

/// "yes" if every benchmark is runnable, "no" if none is, else "some".
std::string summarize(const std::vector<std::string> &Runnable) {
  bool All = std::all_of(Runnable.begin(), Runnable.end(),
                         [](const std::string &R) { return R == "yes"; });
  bool None = std::none_of(Runnable.begin(), Runnable.end(),
                           [](const std::string &R) { return R == "yes"; });
  return All ? "yes" : None ? "no" : "some";
}

int runDatasets(const DatasetsOptions &Options) {
  std::optional<Manifest> UserManifest;
  if (!Options.Manifest.empty()) {
    auto Read = readManifest(Options.Manifest);
    if (!Read)
      return reportError(Read.takeError());
    UserManifest = std::move(*Read);
  }
  std::vector<std::string> Errors;
  std::vector<std::string> Runnable;
  if (UserManifest) {
    for (const ManifestProblem &Problem : UserManifest->Problems)
      Errors.push_back(Problem.Message);
    Runnable = runnability(*UserManifest, Errors);
  }

  auto Names = builtinBenchmarkNames();
  if (!Names)
    return reportError(Names.takeError());
  std::vector<Row> Rows = {{"builtin-v0", std::to_string(Names->size()), "yes",
                            "benchmark://builtin-v0/NAME"}};
  for (const GeneratorInfo &Generator : generators())
    Rows.push_back({Generator.Dataset, "unbounded",
                    Generator.Runnable ? "yes" : "no", Generator.UriForm});
  Rows.push_back({"file", "-", "no", "file://PATH (.c .cc .cpp .ll .bc)"});
  Rows.push_back({"manifest", "-", "per entry",
                  "manifest:PATH#NAME (PATH: manifest.json or its directory)"});
  if (UserManifest)
    Rows.push_back(
        {UserManifest->Name, std::to_string(UserManifest->Entries.size()),
         summarize(Runnable), "manifest:" + UserManifest->Path + "#NAME"});
  printTable(Rows);

  if (Options.List) {
    llvm::outs() << "\n";
    for (const std::string &Name : *Names)
      llvm::outs() << "benchmark://builtin-v0/" << Name << "\n";
  }
  if (UserManifest) {
    size_t Width = std::string("benchmark").size();
    for (const ManifestEntry &Entry : UserManifest->Entries)
      Width = std::max(Width, Entry.Name.size());
    llvm::outs() << "\nbenchmarks of manifest:" << UserManifest->Path
                 << "#NAME\n"
                 << llvm::left_justify("NAME", Width + 2) << "runnable\n";
    for (size_t I = 0; I < UserManifest->Entries.size(); ++I)
      llvm::outs() << llvm::left_justify(UserManifest->Entries[I].Name,
                                         Width + 2)
                   << Runnable[I] << "\n";
    if (!Errors.empty())
      llvm::outs() << "\n" << Errors.size() << " of "
                   << UserManifest->Entries.size() +
                          UserManifest->Problems.size()
                   << " entries cannot be used:\n";
    for (const std::string &Error : Errors)
      llvm::outs() << "  " << Error << "\n";
  }
  return Errors.empty() ? 0 : 1;
}

} // namespace

void addDatasetsCommand(CLI::App &App) {
  auto Options = std::make_shared<DatasetsOptions>();
  CLI::App *Command = App.add_subcommand(
      "datasets", "List the datasets and, with --list, their benchmarks.");
  Command->add_flag("-l,--list", Options->List,
                    "list every built-in benchmark URI");
  Command->add_option("--manifest", Options->Manifest,
                      "also list the benchmarks of this manifest (a "
                      "manifest.json or its directory)");
  runWith(*Command, [Options] { return runDatasets(*Options); });
}

} // namespace passgym::cli
