//===- datasets/DatasetSpec.cpp - Naming sets of benchmarks ---------------===//
#include "datasets/DatasetSpec.h"

#include "datasets/Manifest.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <set>

namespace passgym {
namespace {

/// The built-ins in alphabetical order; every fourth (index 3, 7, ...) is
/// held out for testing.
llvm::Expected<std::vector<std::string>> builtinSplit(llvm::StringRef Split) {
  auto Names = builtinBenchmarkNames();
  if (!Names)
    return Names.takeError();
  std::vector<std::string> Uris;
  for (size_t I = 0; I < Names->size(); ++I) {
    bool HeldOut = I % 4 == 3;
    if (Split.empty() || (Split == "test") == HeldOut)
      Uris.push_back("benchmark://builtin-v0/" + (*Names)[I]);
  }
  if (!Split.empty() && Split != "train" && Split != "test")
    return llvm::createStringError("unknown split 'builtin-v0:" + Split.str() +
                                   "': use builtin-v0, builtin-v0:train or "
                                   "builtin-v0:test");
  return Uris;
}

llvm::Expected<std::vector<std::string>> seedRange(llvm::StringRef Generator,
                                                   llvm::StringRef Range) {
  auto [FirstText, LastText] = Range.split('-');
  uint64_t First = 0, Last = 0;
  if (FirstText.getAsInteger(10, First) || LastText.getAsInteger(10, Last) ||
      Last < First)
    return llvm::createStringError(
        "malformed seed range '" + Generator.str() + ":" + Range.str() +
        "': expected " + Generator.str() + ":FIRST-LAST with FIRST <= LAST");
  std::vector<std::string> Uris;
  for (uint64_t Seed = First; Seed <= Last; ++Seed)
    Uris.push_back("generator://" + Generator.str() + "/" +
                   std::to_string(Seed));
  return Uris;
}

llvm::Expected<std::vector<std::string>> expandItem(llvm::StringRef Item) {
  if (Item == "builtin-v0")
    return builtinSplit("");
  if (Item.consume_front("builtin-v0:"))
    return builtinSplit(Item);
  for (llvm::StringRef Generator : {"csmith-v0", "llvm-stress-v0"})
    if (Item.starts_with(Generator) &&
        Item.drop_front(Generator.size()).starts_with(":"))
      return seedRange(Generator, Item.drop_front(Generator.size() + 1));
  if (Item.starts_with(kManifestScheme) && !Item.contains('#')) {
    auto M = readManifest(Item.drop_front(kManifestScheme.size()));
    if (!M)
      return M.takeError();
    std::vector<std::string> Uris;
    for (const ManifestEntry &Entry : M->Entries)
      Uris.push_back(M->uriOf(Entry));
    return Uris;
  }
  return std::vector<std::string>{Item.str()};
}

} // namespace

llvm::Expected<std::vector<std::string>> expandDataset(llvm::StringRef Spec) {
  llvm::SmallVector<llvm::StringRef, 4> Items;
  Spec.split(Items, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::vector<std::string> Uris;
  std::set<std::string> Seen;
  for (llvm::StringRef Item : Items) {
    if (Item.trim().empty())
      continue;
    auto Expanded = expandItem(Item.trim());
    if (!Expanded)
      return Expanded.takeError();
    for (std::string &Uri : *Expanded)
      if (Seen.insert(Uri).second)
        Uris.push_back(std::move(Uri));
  }
  if (Uris.empty())
    return llvm::createStringError("the dataset '" + Spec.str() +
                                   "' names no benchmarks");
  return Uris;
}

llvm::Expected<std::vector<BenchmarkPtr>>
loadDataset(const std::vector<std::string> &Specs) {
  std::vector<BenchmarkPtr> Benchmarks;
  std::set<std::string> Seen;
  for (const std::string &Spec : Specs) {
    auto Uris = expandDataset(Spec);
    if (!Uris)
      return Uris.takeError();
    for (const std::string &Uri : *Uris) {
      if (!Seen.insert(Uri).second)
        continue;
      auto B = loadBenchmark(Uri);
      if (!B)
        return llvm::createStringError("cannot load '" + Uri +
                                       "': " + llvm::toString(B.takeError()));
      Benchmarks.push_back(std::move(*B));
    }
  }
  if (Benchmarks.empty())
    return llvm::createStringError("no dataset given");
  return Benchmarks;
}

} // namespace passgym
