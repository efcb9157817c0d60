//===- learning/Checkpoint.cpp - Saving and restoring an agent ------------===//
#include "learning/training/Checkpoint.h"

#include "support/ModuleHash.h"
#include "support/TempDir.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

namespace passgym::learning {

using Json = nlohmann::json;

namespace {

constexpr const char *FormatName = "passgym-checkpoint";
constexpr const char *ManifestFile = "manifest.json";
constexpr const char *NetworkFile = "network.pt";
constexpr const char *OptimizerFile = "optimizer.pt";
constexpr const char *AgentFile = "agent.json";
constexpr const char *VocabularyFile = "vocabulary.json";
constexpr const char *NormalizerFile = "normalizer.json";
constexpr const char *TrainerStateFile = "trainer_state.pt";

/// Payloads a manifest may list. Anything else is refused, so that a
/// hand-edited manifest cannot make us read outside the directory.
bool isKnownPayload(const std::string &Name) {
  for (const char *Known : {NetworkFile, OptimizerFile, AgentFile,
                            VocabularyFile, NormalizerFile, TrainerStateFile})
    if (Name == Known)
      return true;
  return false;
}

llvm::Error fail(const std::string &Path, const std::string &Problem) {
  return llvm::createStringError("checkpoint '" + Path + "': " + Problem);
}

/// c10::Error messages carry a C++ backtrace after the first line.
std::string firstLine(const std::string &Message) {
  return Message.substr(0, Message.find('\n'));
}

std::string join(const std::string &Dir, const std::string &Name) {
  llvm::SmallString<256> P(Dir);
  llvm::sys::path::append(P, Name);
  return std::string(P);
}

const char *poolingName(Pooling P) {
  switch (P) {
  case Pooling::Mean:
    return "mean";
  case Pooling::Sum:
    return "sum";
  case Pooling::MeanAndSum:
    return "mean-and-sum";
  }
  return "mean";
}

Json optionsToJson(const AgentNetworkOptions &O) {
  return {{"encoder", encoderName(O.Encoder)},
          {"vocabulary_size", O.VocabularySize},
          {"hidden_size", O.HiddenSize},
          {"layers", O.Layers},
          {"max_position", O.MaxPosition},
          {"readout_pooling", poolingName(O.ReadoutPooling)},
          {"autophase_fusion", O.AutophaseFusion},
          {"autophase_width", O.AutophaseWidth},
          {"num_actions", O.NumActions},
          {"heads",
           {{"policy", O.PolicyHead}, {"value", O.ValueHead}, {"q", O.QHead}}}};
}

/// Throws nlohmann::json::exception or std::invalid_argument on bad input;
/// the caller turns both into one error.
AgentNetworkOptions optionsFromJson(const Json &J) {
  AgentNetworkOptions O;
  auto Encoder = encoderFromName(J.at("encoder").get<std::string>());
  if (!Encoder)
    throw std::invalid_argument(llvm::toString(Encoder.takeError()));
  O.Encoder = *Encoder;
  std::string Pool = J.at("readout_pooling").get<std::string>();
  if (Pool == "mean")
    O.ReadoutPooling = Pooling::Mean;
  else if (Pool == "sum")
    O.ReadoutPooling = Pooling::Sum;
  else if (Pool == "mean-and-sum")
    O.ReadoutPooling = Pooling::MeanAndSum;
  else
    throw std::invalid_argument("unknown pooling '" + Pool + "'");
  O.VocabularySize = J.at("vocabulary_size").get<int64_t>();
  O.HiddenSize = J.at("hidden_size").get<int64_t>();
  O.Layers = J.at("layers").get<int64_t>();
  O.MaxPosition = J.at("max_position").get<int64_t>();
  O.AutophaseFusion = J.at("autophase_fusion").get<bool>();
  O.AutophaseWidth = J.at("autophase_width").get<int64_t>();
  O.NumActions = J.at("num_actions").get<int64_t>();
  O.PolicyHead = J.at("heads").at("policy").get<bool>();
  O.ValueHead = J.at("heads").at("value").get<bool>();
  O.QHead = J.at("heads").at("q").get<bool>();
  return O;
}

/// Adam::load restores the per-parameter state but not the group's options
/// (learning rate, betas, ...), so those are saved here.
Json adamOptionsToJson(const torch::optim::AdamOptions &O) {
  return {{"lr", O.lr()},
          {"beta1", std::get<0>(O.betas())},
          {"beta2", std::get<1>(O.betas())},
          {"eps", O.eps()},
          {"weight_decay", O.weight_decay()},
          {"amsgrad", O.amsgrad()}};
}

torch::optim::AdamOptions adamOptionsFromJson(const Json &J) {
  torch::optim::AdamOptions O(J.at("lr").get<double>());
  O.betas({J.at("beta1").get<double>(), J.at("beta2").get<double>()});
  O.eps(J.at("eps").get<double>());
  O.weight_decay(J.at("weight_decay").get<double>());
  O.amsgrad(J.at("amsgrad").get<bool>());
  return O;
}

std::string vocabularyHash(const Vocabulary &V) {
  return bytesHash(V.toJson());
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
    Payloads[NetworkFile] = archiveBytes(
        [&](torch::serialize::OutputArchive &A) { C.Network->save(A); });
    if (C.Optimizer)
      Payloads[OptimizerFile] = archiveBytes(
          [&](torch::serialize::OutputArchive &A) { C.Optimizer->save(A); });
  } catch (const c10::Error &E) {
    return fail(Path, "torch cannot serialize the network or optimizer: " +
                          firstLine(E.what()));
  }

  Json Agent;
  Agent["options"] = optionsToJson(C.Network->Options);
  Agent["action_space"] = {{"name", C.ActionSpace.Name},
                           {"pipelines", C.ActionSpace.Pipelines}};
  Agent["counters"] = {{"global_step", C.Counters.GlobalStep},
                       {"iteration", C.Counters.Iteration}};
  Agent["training"] = {{"algorithm", C.Training.Algorithm},
                       {"reward_space", C.Training.RewardSpace},
                       {"episode_length", C.Training.EpisodeLength}};
  if (C.Optimizer)
    Agent["optimizer"] =
        adamOptionsToJson(static_cast<const torch::optim::AdamOptions &>(
            C.Optimizer->param_groups()[0].options()));
  Payloads[AgentFile] = Agent.dump(1) + "\n";
  Payloads[VocabularyFile] = C.Vocab.toJson();
  if (C.Normalizer)
    Payloads[NormalizerFile] = C.Normalizer->toJson();
  if (!C.TrainerState.empty())
    Payloads[TrainerStateFile] = C.TrainerState;

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

/// Catches a caller's mix-up before it is written, when it is still cheap
/// to fix: a network whose sizes disagree with its vocabulary or actions
/// would fail (or worse, silently misbehave) only when loaded.
llvm::Error checkContents(const std::string &Path,
                          const CheckpointContents &C) {
  if (!C.Network)
    return fail(Path, "no network to save");
  const AgentNetworkOptions &O = C.Network->Options;
  if (O.VocabularySize != static_cast<int64_t>(C.Vocab.size()))
    return fail(Path, "network has " + std::to_string(O.VocabularySize) +
                          " vocabulary rows but the vocabulary has " +
                          std::to_string(C.Vocab.size()) + " ids");
  if (O.NumActions != static_cast<int64_t>(C.ActionSpace.Pipelines.size()))
    return fail(Path, "network has " + std::to_string(O.NumActions) +
                          " actions but the action space has " +
                          std::to_string(C.ActionSpace.Pipelines.size()));
  if (C.Optimizer && C.Optimizer->param_groups().size() != 1)
    return fail(Path, "optimizer must have exactly one parameter group");
  return llvm::Error::success();
}

} // namespace

ActionSpaceIdentity identityOf(const ActionSpace &Space) {
  ActionSpaceIdentity Identity;
  Identity.Name = Space.name();
  for (size_t I = 0; I < Space.size(); ++I)
    Identity.Pipelines.push_back(Space[I].pipeline);
  return Identity;
}

std::string archiveBytes(
    const std::function<void(torch::serialize::OutputArchive &)> &Fill) {
  torch::serialize::OutputArchive Archive;
  Fill(Archive);
  std::ostringstream Out;
  Archive.save_to(Out);
  return Out.str();
}

void loadArchive(const std::string &Bytes,
                 torch::serialize::InputArchive &Archive) {
  Archive.load_from(Bytes.data(), Bytes.size());
}

llvm::Error saveCheckpoint(const std::string &PathIn,
                           const CheckpointContents &Contents) {
  std::string Path(llvm::sys::path::remove_leading_dotslash(PathIn));
  while (Path.size() > 1 && Path.back() == '/')
    Path.pop_back();
  if (Path.empty())
    return llvm::createStringError("checkpoint path is empty");
  if (llvm::Error E = checkContents(Path, Contents))
    return E;

  // Never replace something that is not a checkpoint: the swap below
  // deletes whatever was at Path.
  bool Replacing = llvm::sys::fs::exists(Path);
  if (Replacing && (!llvm::sys::fs::is_directory(Path) ||
                    !llvm::sys::fs::exists(join(Path, ManifestFile))))
    return fail(Path, "exists and is not a checkpoint directory; refusing "
                      "to replace it");

  // A sibling, so that the final rename stays on one file system.
  llvm::SmallString<256> Temp;
  if (std::error_code EC =
          llvm::sys::fs::createUniqueDirectory(Path + ".tmp", Temp))
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

llvm::Expected<LoadedCheckpoint>
loadCheckpoint(const std::string &Path,
               const CheckpointExpectations &Expected) {
  if (!llvm::sys::fs::exists(Path))
    return fail(Path, "does not exist");
  if (!llvm::sys::fs::is_directory(Path))
    return fail(Path, "is not a directory");

  // Manifest.
  auto ManifestBuffer = llvm::MemoryBuffer::getFile(join(Path, ManifestFile));
  if (!ManifestBuffer)
    return fail(Path, "cannot read the manifest: " +
                          ManifestBuffer.getError().message());
  llvm::StringRef ManifestText = (*ManifestBuffer)->getBuffer();
  Json Manifest = Json::parse(ManifestText.begin(), ManifestText.end(), nullptr,
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

  // Payloads, each verified against its hash before anything parses it.
  std::map<std::string, std::unique_ptr<llvm::MemoryBuffer>> Payloads;
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
    Payloads[Name] = std::move(*Buffer);
  }
  for (const char *Required : {NetworkFile, AgentFile, VocabularyFile})
    if (!Payloads.count(Required))
      return fail(Path, std::string("manifest lists no '") + Required + "'");

  LoadedCheckpoint L;
  AgentNetworkOptions Options;
  std::optional<torch::optim::AdamOptions> AdamOptions;
  try {
    llvm::StringRef Text = Payloads[AgentFile]->getBuffer();
    Json Agent = Json::parse(Text.begin(), Text.end());
    Options = optionsFromJson(Agent.at("options"));
    L.ActionSpace.Name = Agent.at("action_space").at("name").get<std::string>();
    L.ActionSpace.Pipelines = Agent.at("action_space")
                                  .at("pipelines")
                                  .get<std::vector<std::string>>();
    L.Counters.GlobalStep =
        Agent.at("counters").at("global_step").get<int64_t>();
    L.Counters.Iteration = Agent.at("counters").at("iteration").get<int64_t>();
    const Json &Training = Agent.at("training");
    L.Training.Algorithm = Training.at("algorithm").get<std::string>();
    L.Training.RewardSpace = Training.at("reward_space").get<std::string>();
    L.Training.EpisodeLength = Training.at("episode_length").get<int64_t>();
    if (Agent.contains("optimizer"))
      AdamOptions = adamOptionsFromJson(Agent["optimizer"]);
  } catch (const std::exception &E) {
    return fail(Path,
                std::string("'") + AgentFile + "' is malformed: " + E.what());
  }
  if (Payloads.count(OptimizerFile) !=
      static_cast<size_t>(AdamOptions.has_value()))
    return fail(Path, "optimizer state and optimizer options do not match "
                      "(one is missing)");

  auto Vocab = Vocabulary::fromJson(Payloads[VocabularyFile]->getBuffer());
  if (!Vocab)
    return fail(Path, "'" + std::string(VocabularyFile) +
                          "': " + llvm::toString(Vocab.takeError()));
  L.Vocab = std::move(*Vocab);
  if (Payloads.count(TrainerStateFile)) {
    llvm::StringRef Bytes = Payloads[TrainerStateFile]->getBuffer();
    L.TrainerState.assign(Bytes.begin(), Bytes.end());
  }
  if (Payloads.count(NormalizerFile)) {
    auto N =
        AutophaseNormalizer::fromJson(Payloads[NormalizerFile]->getBuffer());
    if (!N)
      return fail(Path, "'" + std::string(NormalizerFile) +
                            "': " + llvm::toString(N.takeError()));
    L.Normalizer = std::move(*N);
  }
  if (Options.VocabularySize != static_cast<int64_t>(L.Vocab.size()) ||
      Options.NumActions !=
          static_cast<int64_t>(L.ActionSpace.Pipelines.size()))
    return fail(Path, "network sizes disagree with its vocabulary or action "
                      "space");

  // Expectations, before the (comparatively slow) torch loading.
  if (Expected.ActionSpace) {
    std::string Difference =
        describeDifference(L.ActionSpace, *Expected.ActionSpace);
    if (!Difference.empty())
      return fail(Path, Difference);
  }
  if (Expected.Vocab && !(*Expected.Vocab == L.Vocab))
    return fail(Path, "vocabulary mismatch: checkpoint has " +
                          std::to_string(L.Vocab.size()) + " ids (hash " +
                          vocabularyHash(L.Vocab) + "), expected " +
                          std::to_string(Expected.Vocab->size()) +
                          " ids (hash " + vocabularyHash(*Expected.Vocab) +
                          ")");

  // Torch payloads. Loading from the verified bytes in memory, not the file
  // again, so what is loaded is what was hashed.
  const char *Reading = NetworkFile;
  try {
    L.Network = AgentNetwork(Options);
    {
      llvm::StringRef Bytes = Payloads[NetworkFile]->getBuffer();
      torch::serialize::InputArchive Archive;
      Archive.load_from(Bytes.data(), Bytes.size());
      L.Network->load(Archive);
    }
    if (AdamOptions) {
      Reading = OptimizerFile;
      L.Optimizer = std::make_unique<torch::optim::Adam>(
          L.Network->parameters(), *AdamOptions);
      llvm::StringRef Bytes = Payloads[OptimizerFile]->getBuffer();
      torch::serialize::InputArchive Archive;
      Archive.load_from(Bytes.data(), Bytes.size());
      L.Optimizer->load(Archive);
    }
  } catch (const c10::Error &E) {
    return fail(Path, std::string("torch cannot read payload '") + Reading +
                          "': " + firstLine(E.what()));
  } catch (const std::exception &E) {
    return fail(Path, std::string("torch cannot read payload '") + Reading +
                          "': " + firstLine(E.what()));
  }
  return L;
}

} // namespace passgym::learning
