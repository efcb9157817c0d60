//===- learning/Vocabulary.cpp - Node texts to embedding ids --------------===//
#include "learning/inputs/Vocabulary.h"
#include "support/Files.h"

#include "support/TempDir.h"

#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_map>

namespace passgym::learning {

using Json = nlohmann::json;

namespace {
constexpr const char *FormatName = "passgym-vocabulary";
const std::string UnknownText = "<unknown>";
} // namespace

Vocabulary::Vocabulary() { Texts.push_back(UnknownText); }

void Vocabulary::add(std::string Text) {
  Ids.emplace(Text, static_cast<int64_t>(Texts.size()));
  Texts.push_back(std::move(Text));
}

Vocabulary Vocabulary::build(llvm::ArrayRef<const graph::ProgramGraph *> Graphs,
                             const VocabularyOptions &Options) {
  std::unordered_map<std::string, uint64_t> Counts;
  for (const graph::ProgramGraph *G : Graphs)
    for (const graph::Node &N : G->Nodes)
      ++Counts[N.Text];

  std::vector<std::pair<std::string, uint64_t>> Sorted;
  for (auto &[Text, Count] : Counts)
    if (Count >= Options.MinCount)
      Sorted.emplace_back(Text, Count);
  // The hash map's order varies; sorting on (count, text) fixes the ids.
  std::sort(Sorted.begin(), Sorted.end(), [](const auto &A, const auto &B) {
    if (A.second != B.second)
      return A.second > B.second;
    return A.first < B.first;
  });
  if (Options.MaxSize && Sorted.size() > Options.MaxSize)
    Sorted.resize(Options.MaxSize);

  Vocabulary V;
  for (auto &[Text, Count] : Sorted)
    V.add(Text);
  return V;
}

Vocabulary Vocabulary::fromTexts(const std::vector<std::string> &Texts) {
  Vocabulary V;
  for (const std::string &Text : Texts)
    V.add(Text);
  return V;
}

int64_t Vocabulary::id(llvm::StringRef Text) const {
  auto It = Ids.find(Text);
  if (It == Ids.end())
    return UnknownId;
  return It->second;
}

const std::string &Vocabulary::text(int64_t Id) const {
  if (Id <= 0 || Id >= static_cast<int64_t>(Texts.size()))
    return Texts[UnknownId];
  return Texts[Id];
}

std::string Vocabulary::toJson() const {
  Json J;
  J["format"] = FormatName;
  J["version"] = FormatVersion;
  // Id i + 1 is Texts[i]; the unknown token is implicit.
  J["texts"] = std::vector<std::string>(Texts.begin() + 1, Texts.end());
  return J.dump(1) + "\n";
}

llvm::Expected<Vocabulary> Vocabulary::fromJson(llvm::StringRef Text) {
  Json J = Json::parse(Text.begin(), Text.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (J.is_discarded())
    return llvm::createStringError("vocabulary is not valid JSON");
  if (!J.is_object() || !J.contains("format") || J["format"] != FormatName)
    return llvm::createStringError(
        "not a passgym vocabulary (missing \"format\": \"" +
        std::string(FormatName) + "\")");
  if (!J.contains("version") || !J["version"].is_number_integer())
    return llvm::createStringError("vocabulary has no integer \"version\"");
  int Version = J["version"].get<int>();
  if (Version != FormatVersion)
    return llvm::createStringError(
        "vocabulary format version " + std::to_string(Version) +
        " is not supported (expected " + std::to_string(FormatVersion) + ")");
  if (!J.contains("texts") || !J["texts"].is_array())
    return llvm::createStringError("vocabulary has no \"texts\" array");

  Vocabulary V;
  for (const Json &T : J["texts"]) {
    if (!T.is_string())
      return llvm::createStringError("vocabulary text is not a string: " +
                                     T.dump());
    std::string S = T.get<std::string>();
    if (V.id(S) != UnknownId || S == UnknownText)
      return llvm::createStringError("vocabulary text '" + S +
                                     "' appears twice");
    V.add(std::move(S));
  }
  return V;
}

llvm::Error Vocabulary::save(llvm::StringRef Path) const {
  return writeFileAtomically(Path, toJson());
}

llvm::Expected<Vocabulary> Vocabulary::load(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   "cannot read vocabulary '" + Path +
                                       "': " + Buffer.getError().message());
  auto V = fromJson((*Buffer)->getBuffer());
  if (!V)
    return llvm::createStringError("vocabulary '" + Path +
                                   "': " + llvm::toString(V.takeError()));
  return V;
}

} // namespace passgym::learning
