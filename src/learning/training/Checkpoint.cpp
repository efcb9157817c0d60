//===- learning/training/Checkpoint.cpp - Saving and loading an agent -----===//
#include "learning/training/Checkpoint.h"
#include "support/Files.h"

#include "learning/networks/Serialization.h"
#include "learning/support/Messages.h"
#include "support/ModuleHash.h"
#include "support/TempDir.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace passgym::learning {

using Json = nlohmann::json;

namespace {

constexpr const char *FormatName = "passgym-checkpoint";
constexpr const char *ManifestFile = "manifest.json";
constexpr const char *AgentFile = "agent.json";
constexpr const char *PolicyFile = "policy.pt";
constexpr const char *TrainerStateFile = "trainer_state.pt";
constexpr const char *VocabularyFile = "vocabulary.json";
constexpr const char *NormalizerFile = "normalizer.json";

/// Payloads a manifest may list. Anything else is refused, so that a
/// hand-edited manifest cannot make us read outside the directory.
bool isKnownPayload(const std::string &Name) {
  for (const char *Known : {AgentFile, PolicyFile, TrainerStateFile,
                            VocabularyFile, NormalizerFile})
    if (Name == Known)
      return true;
  return false;
}

llvm::Error fail(const std::string &Path, const std::string &Problem) {
  return llvm::createStringError("checkpoint '" + Path + "': " + Problem);
}

std::string join(const std::string &Dir, const std::string &Name) {
  llvm::SmallString<256> P(Dir);
  llvm::sys::path::append(P, Name);
  return std::string(P);
}

/// The enum value called \p Name in \p Table; throws, like nlohmann's
/// accessors, so that one handler reports a malformed agent.json.
template <typename E, size_t N>
E enumFromJson(const NameTable<E, N> &Table, const Json &J, const char *What) {
  auto Value = valueOf(Table, J.get<std::string>(), What);
  if (!Value)
    throw std::invalid_argument(llvm::toString(Value.takeError()));
  return *Value;
}

Json networkToJson(const NetworkOptions &O) {
  return {{"state", nameOf(kStateKindNames, O.State)},
          {"encoder", nameOf(kEncoderNames, O.Encoder)},
          {"vocabulary_size", O.VocabularySize},
          {"hidden_size", O.HiddenSize},
          {"layers", O.Layers},
          {"max_position", O.MaxPosition},
          {"readout_pooling", nameOf(kPoolingNames, O.ReadoutPooling)},
          {"autophase_width", O.AutophaseWidth},
          {"num_actions", O.NumActions}};
}

NetworkOptions networkFromJson(const Json &J) {
  NetworkOptions O;
  O.State = enumFromJson(kStateKindNames, J.at("state"), "state");
  O.Encoder = enumFromJson(kEncoderNames, J.at("encoder"), "encoder");
  O.VocabularySize = J.at("vocabulary_size").get<int64_t>();
  O.HiddenSize = J.at("hidden_size").get<int64_t>();
  O.Layers = J.at("layers").get<int64_t>();
  O.MaxPosition = J.at("max_position").get<int64_t>();
  O.ReadoutPooling =
      enumFromJson(kPoolingNames, J.at("readout_pooling"), "pooling");
  O.AutophaseWidth = J.at("autophase_width").get<int64_t>();
  O.NumActions = J.at("num_actions").get<int64_t>();
  return O;
}

std::string agentJson(const CheckpointContents &C) {
  Json Agent;
  Agent["algorithm"] = nameOf(kAgentNames, C.Algorithm);
  Agent["reward_space"] = C.RewardSpace;
  Agent["episode_length"] = C.EpisodeLength;
  Agent["start_from"] = nameOf(kStartFromNames, C.StartFrom);
  Agent["network"] = networkToJson(C.Policy->Options);
  Agent["action_space"] = {{"name", C.ActionSpace.Name},
                           {"pipelines", C.ActionSpace.Pipelines}};
  Agent["counters"] = {{"global_step", C.Counters.GlobalStep},
                       {"iteration", C.Counters.Iteration}};
  return Agent.dump(1) + "\n";
}

/// Everything of agent.json but the network, which is built from the
/// returned options once the expectations hold.
NetworkOptions parseAgent(llvm::StringRef Text, CheckpointContents &C) {
  Json Agent = Json::parse(Text.begin(), Text.end());
  C.Algorithm = enumFromJson(kAgentNames, Agent.at("algorithm"), "agent");
  if (C.Algorithm == Agent::Random)
    throw std::invalid_argument("the random baseline has no checkpoint");
  C.RewardSpace = Agent.at("reward_space").get<std::string>();
  C.EpisodeLength = Agent.at("episode_length").get<int64_t>();
  // Checkpoints from before --start-from started from the unoptimized module.
  if (Agent.contains("start_from"))
    C.StartFrom =
        enumFromJson(kStartFromNames, Agent.at("start_from"), "start");
  C.ActionSpace.Name = Agent.at("action_space").at("name").get<std::string>();
  C.ActionSpace.Pipelines =
      Agent.at("action_space").at("pipelines").get<std::vector<std::string>>();
  C.Counters.GlobalStep = Agent.at("counters").at("global_step").get<int64_t>();
  C.Counters.Iteration = Agent.at("counters").at("iteration").get<int64_t>();
  return networkFromJson(Agent.at("network"));
}

/// Empty if they agree; otherwise why a network of these options cannot
/// serve this vocabulary, action space and normalizer.
std::string inconsistency(const NetworkOptions &O, const Vocabulary &Vocab,
                          const ActionSpaceIdentity &Actions,
                          bool HasNormalizer) {
  if (O.VocabularySize != static_cast<int64_t>(Vocab.size()))
    return "network has " + std::to_string(O.VocabularySize) +
           " vocabulary rows but the vocabulary has " +
           std::to_string(Vocab.size()) + " ids";
  if (O.NumActions != static_cast<int64_t>(Actions.Pipelines.size()))
    return "network has " + std::to_string(O.NumActions) +
           " actions but the action space has " +
           std::to_string(Actions.Pipelines.size());
  if (hasAutophase(O.State) && !HasNormalizer)
    return std::string("state '") + nameOf(kStateKindNames, O.State) +
           "' needs an Autophase normalizer, and there is none";
  return "";
}

/// Empty if equal; otherwise what differs, naming the first differing
/// pipeline so that a reordered or edited action list is easy to spot.
std::string describeDifference(const ActionSpaceIdentity &Saved,
                               const ActionSpaceIdentity &Expected) {
  if (Saved == Expected)
    return "";
  std::string Message = "action space mismatch: checkpoint has '" + Saved.Name +
                        "' with " + std::to_string(Saved.Pipelines.size()) +
                        " actions, expected '" + Expected.Name + "' with " +
                        std::to_string(Expected.Pipelines.size()) + " actions";
  size_t Common = std::min(Saved.Pipelines.size(), Expected.Pipelines.size());
  size_t I = 0;
  while (I < Common && Saved.Pipelines[I] == Expected.Pipelines[I])
    ++I;
  auto Quote = [](const std::vector<std::string> &Ps, size_t I) {
    return I < Ps.size() ? "'" + Ps[I] + "'" : std::string("(none)");
  };
  if (I < Saved.Pipelines.size() || I < Expected.Pipelines.size())
    Message += "; first difference at action " + std::to_string(I) + ": " +
               Quote(Saved.Pipelines, I) + " vs expected " +
               Quote(Expected.Pipelines, I);
  return Message;
}

/// Writes every payload and then the manifest into the (fresh) directory
/// \p Dir.
llvm::Error writeContents(const std::string &Path, const std::string &Dir,
                          const CheckpointContents &C) {
  std::map<std::string, std::string> Payloads;
  try {
    Payloads[PolicyFile] = archiveBytes(
        [&](torch::serialize::OutputArchive &A) { C.Policy->save(A); });
  } catch (const c10::Error &E) {
    return fail(Path,
                "torch cannot serialize the policy: " + firstLine(E.what()));
  }
  if (!C.TrainerState.empty())
    Payloads[TrainerStateFile] = C.TrainerState;
  Payloads[AgentFile] = agentJson(C);
  Payloads[VocabularyFile] = C.Vocab.toJson();
  if (C.Normalizer)
    Payloads[NormalizerFile] = C.Normalizer->toJson();

  Json Manifest;
  Manifest["format"] = FormatName;
  Manifest["version"] = kCheckpointFormatVersion;
  Manifest["payloads"] = Json::object();
  for (auto &[Name, Bytes] : Payloads) {
    if (llvm::Error E = writeFileAtomically(join(Dir, Name), Bytes))
      return fail(Path, llvm::toString(std::move(E)));
    Manifest["payloads"][Name] = {{"blake3", bytesHash(Bytes)},
                                  {"bytes", Bytes.size()}};
  }
  // The manifest last: a directory without one is never a checkpoint.
  if (llvm::Error E =
          writeFileAtomically(join(Dir, ManifestFile), Manifest.dump(1) + "\n"))
    return fail(Path, llvm::toString(std::move(E)));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Loading, step by step
//===----------------------------------------------------------------------===//

/// The verified bytes of each payload the manifest lists.
using Payloads = std::map<std::string, std::string>;

llvm::Expected<Json> readManifest(const std::string &Path) {
  if (!llvm::sys::fs::exists(Path))
    return fail(Path, "does not exist");
  if (!llvm::sys::fs::is_directory(Path))
    return fail(Path, "is not a directory");
  auto Buffer = llvm::MemoryBuffer::getFile(join(Path, ManifestFile));
  if (!Buffer)
    return fail(Path,
                "cannot read the manifest: " + Buffer.getError().message());
  llvm::StringRef Text = (*Buffer)->getBuffer();
  Json Manifest = Json::parse(Text.begin(), Text.end(), nullptr,
                              /*allow_exceptions=*/false);
  if (Manifest.is_discarded() || !Manifest.is_object())
    return fail(Path, "manifest is not valid JSON");
  if (!Manifest.contains("format") || Manifest["format"] != FormatName)
    return fail(Path, "manifest is not a passgym checkpoint manifest");
  if (!Manifest.contains("version") || !Manifest["version"].is_number_integer())
    return fail(Path, "manifest has no integer \"version\"");
  int Version = Manifest["version"].get<int>();
  if (Version != kCheckpointFormatVersion)
    return fail(Path, "format version " + std::to_string(Version) +
                          " is not supported (expected " +
                          std::to_string(kCheckpointFormatVersion) + ")");
  if (!Manifest.contains("payloads") || !Manifest["payloads"].is_object())
    return fail(Path, "manifest has no \"payloads\" object");
  return Manifest;
}

/// Each payload, checked against its hash before anything parses it.
llvm::Expected<Payloads> readVerifiedPayloads(const std::string &Path,
                                              const Json &Manifest) {
  Payloads Verified;
  for (auto &[Name, Entry] : Manifest["payloads"].items()) {
    if (!isKnownPayload(Name))
      return fail(Path, "manifest lists an unknown payload '" + Name + "'");
    if (!Entry.is_object() || !Entry.contains("blake3") ||
        !Entry["blake3"].is_string())
      return fail(Path, "manifest entry for '" + Name + "' has no hash");
    auto Buffer = llvm::MemoryBuffer::getFile(join(Path, Name));
    if (!Buffer)
      return fail(Path, "cannot read payload '" + Name +
                            "': " + Buffer.getError().message());
    std::string Actual = bytesHash((*Buffer)->getBuffer());
    std::string Recorded = Entry["blake3"].get<std::string>();
    if (Actual != Recorded)
      return fail(Path, "payload '" + Name + "' is corrupt (BLAKE3 " + Actual +
                            ", manifest says " + Recorded + ")");
    Verified[Name] = std::string((*Buffer)->getBuffer());
  }
  for (const char *Required : {AgentFile, PolicyFile, VocabularyFile})
    if (!Verified.count(Required))
      return fail(Path, std::string("manifest lists no '") + Required + "'");
  return Verified;
}

/// agent.json, the vocabulary and the normalizer into \p C; the network's
/// options are returned, the network is not built yet.
llvm::Expected<NetworkOptions> readDescription(const std::string &Path,
                                               const Payloads &P,
                                               CheckpointContents &C) {
  NetworkOptions Network;
  try {
    Network = parseAgent(P.at(AgentFile), C);
  } catch (const std::exception &E) {
    return fail(Path, std::string("'") + AgentFile +
                          "' is malformed: " + firstLine(E.what()));
  }
  auto Vocab = Vocabulary::fromJson(P.at(VocabularyFile));
  if (!Vocab)
    return fail(Path, std::string("'") + VocabularyFile +
                          "': " + llvm::toString(Vocab.takeError()));
  C.Vocab = std::move(*Vocab);
  if (P.count(NormalizerFile)) {
    auto N = AutophaseNormalizer::fromJson(P.at(NormalizerFile));
    if (!N)
      return fail(Path, std::string("'") + NormalizerFile +
                            "': " + llvm::toString(N.takeError()));
    C.Normalizer = std::move(*N);
  }
  if (P.count(TrainerStateFile))
    C.TrainerState = P.at(TrainerStateFile);
  std::string Problem =
      inconsistency(Network, C.Vocab, C.ActionSpace, C.Normalizer.has_value());
  if (!Problem.empty())
    return fail(Path, Problem);
  return Network;
}

llvm::Error checkExpectations(const std::string &Path,
                              const CheckpointContents &C,
                              const CheckpointExpectations &Expected) {
  if (Expected.ActionSpace) {
    std::string Difference =
        describeDifference(C.ActionSpace, *Expected.ActionSpace);
    if (!Difference.empty())
      return fail(Path, Difference);
  }
  if (Expected.Vocab && !(*Expected.Vocab == C.Vocab))
    return fail(Path, "vocabulary mismatch: checkpoint has " +
                          std::to_string(C.Vocab.size()) + " ids (hash " +
                          bytesHash(C.Vocab.toJson()) + "), expected " +
                          std::to_string(Expected.Vocab->size()) +
                          " ids (hash " + bytesHash(Expected.Vocab->toJson()) +
                          ")");
  return llvm::Error::success();
}

/// A fresh Actor of \p Options with the stored parameters, loaded from the
/// verified bytes (not the file again, so what is loaded is what was
/// hashed).
llvm::Error loadPolicy(const std::string &Path, const NetworkOptions &Options,
                       const std::string &Bytes, CheckpointContents &C) {
  C.Policy = Actor(Options);
  torch::serialize::InputArchive Archive;
  llvm::Error E = loadArchive(Bytes, Archive);
  if (!E)
    E = loadModule(*C.Policy, Archive);
  if (E)
    return fail(Path, std::string("'") + PolicyFile +
                          "': " + llvm::toString(std::move(E)));
  return llvm::Error::success();
}

} // namespace

llvm::Error saveCheckpoint(const std::string &PathIn,
                           const CheckpointContents &Contents) {
  std::string Path(llvm::sys::path::remove_leading_dotslash(PathIn));
  while (Path.size() > 1 && Path.back() == '/')
    Path.pop_back();
  if (Path.empty())
    return llvm::createStringError("checkpoint path is empty");
  if (!Contents.Policy)
    return fail(Path, "no policy to save");
  if (Contents.Algorithm == Agent::Random)
    return fail(Path, "the random baseline has nothing to save");
  std::string Problem =
      inconsistency(Contents.Policy->Options, Contents.Vocab,
                    Contents.ActionSpace, Contents.Normalizer.has_value());
  if (!Problem.empty())
    return fail(Path, Problem);

  // Never replace something that is not a checkpoint: the swap below
  // deletes whatever was at Path.
  bool Replacing = llvm::sys::fs::exists(Path);
  if (Replacing && (!llvm::sys::fs::is_directory(Path) ||
                    !llvm::sys::fs::exists(join(Path, ManifestFile))))
    return fail(Path, "exists and is not a checkpoint directory; refusing "
                      "to replace it");

  // A sibling, so that the final rename stays on one file system. LLVM puts
  // a relative model under the system's temporary directory: make it
  // absolute first.
  llvm::SmallString<256> Model(Path + ".tmp");
  llvm::sys::fs::make_absolute(Model);
  llvm::SmallString<256> Temp;
  if (std::error_code EC = llvm::sys::fs::createUniqueDirectory(Model, Temp))
    return fail(Path, "cannot create a temporary directory beside it: " +
                          EC.message());
  if (llvm::Error E = writeContents(Path, std::string(Temp), Contents)) {
    llvm::sys::fs::remove_directories(Temp);
    return E;
  }

  llvm::SmallString<256> Old;
  if (Replacing) {
    llvm::sys::fs::createUniquePath(Path + ".old-%%%%%%", Old,
                                    /*MakeAbsolute=*/false);
    if (std::error_code EC = llvm::sys::fs::rename(Path, Old)) {
      llvm::sys::fs::remove_directories(Temp);
      return fail(Path,
                  "cannot move the previous checkpoint aside: " + EC.message());
    }
  }
  if (std::error_code EC = llvm::sys::fs::rename(Temp, Path)) {
    if (Replacing)
      llvm::sys::fs::rename(Old, Path);
    llvm::sys::fs::remove_directories(Temp);
    return fail(Path,
                "cannot move the new checkpoint in place: " + EC.message());
  }
  if (Replacing)
    // The new checkpoint is in place; a leftover old copy is only clutter.
    llvm::sys::fs::remove_directories(Old);
  return llvm::Error::success();
}

llvm::Expected<CheckpointContents>
loadCheckpoint(const std::string &Path,
               const CheckpointExpectations &Expected) {
  auto Manifest = readManifest(Path);
  if (!Manifest)
    return Manifest.takeError();
  auto Verified = readVerifiedPayloads(Path, *Manifest);
  if (!Verified)
    return Verified.takeError();
  CheckpointContents C;
  auto Network = readDescription(Path, *Verified, C);
  if (!Network)
    return Network.takeError();
  // Before the (comparatively slow) torch loading.
  if (llvm::Error E = checkExpectations(Path, C, Expected))
    return E;
  if (llvm::Error E = loadPolicy(Path, *Network, Verified->at(PolicyFile), C))
    return E;
  return C;
}

} // namespace passgym::learning
