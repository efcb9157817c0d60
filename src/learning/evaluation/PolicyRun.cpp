//===- learning/evaluation/PolicyRun.cpp - A checkpoint's policy, run -----===//
#include "learning/evaluation/PolicyRun.h"

#include "costs/Cost.h"
#include "learning/algorithms/StartPipeline.h"
#include "learning/inputs/State.h"
#include "learning/training/Checkpoint.h"
#include "support/ModuleHash.h"

#include <cmath>
#include <limits>

namespace passgym::learning {

std::vector<std::string> pipelineElements(const PolicyEpisode &Episode,
                                          const ActionSpace &Space) {
  std::vector<std::string> Elements;
  if (!Episode.Start.empty())
    Elements.push_back(Episode.Start);
  for (size_t Action : Episode.Effective)
    Elements.push_back(Space[Action].Pipeline);
  return Elements;
}

namespace {

/// The action space a checkpoint recorded: the built-in space or the one it
/// names (`builtin:NAME`, an unchanged file) when that is still the same, so
/// that its actions keep their names; otherwise its pipelines, named by
/// themselves.
std::shared_ptr<const ActionSpace>
recordedSpace(const ActionSpaceIdentity &Saved) {
  for (const std::string &Source : {std::string(), Saved.Name}) {
    auto Space = ActionSpace::load(Source);
    if (!Space) {
      llvm::consumeError(Space.takeError());
      continue;
    }
    if (identityOf(**Space) == Saved)
      return *Space;
  }
  std::vector<Action> Actions;
  for (const std::string &Pipeline : Saved.Pipelines)
    Actions.push_back({Pipeline, Pipeline});
  return std::make_shared<const ActionSpace>(Saved.Name, std::move(Actions));
}

} // namespace

llvm::Expected<LoadedPolicy> loadPolicy(const std::string &Directory,
                                        const std::string &ActionsFile,
                                        const std::string &VocabularyFile) {
  CheckpointExpectations Expected;
  std::shared_ptr<const ActionSpace> Space;
  if (!ActionsFile.empty()) {
    auto Given = ActionSpace::load(ActionsFile);
    if (!Given)
      return Given.takeError();
    Space = *Given;
    Expected.ActionSpace = identityOf(*Space);
  }
  if (!VocabularyFile.empty()) {
    auto V = Vocabulary::load(VocabularyFile);
    if (!V)
      return V.takeError();
    Expected.Vocab = std::move(*V);
  }
  auto Saved = loadCheckpoint(Directory, Expected);
  if (!Saved)
    return Saved.takeError();
  LoadedPolicy Loaded;
  Loaded.Saved = std::move(*Saved);
  Loaded.Saved.Policy->eval();
  Loaded.Encoding.Kind = Loaded.Saved.Policy->Options.State;
  Loaded.Encoding.Vocab = Loaded.Saved.Vocab;
  Loaded.Encoding.Normalizer = Loaded.Saved.Normalizer;
  Loaded.Encoding.Batching.MaxPosition = Loaded.Saved.Policy->Options.MaxPosition;
  Loaded.Space = Space ? Space : recordedSpace(Loaded.Saved.ActionSpace);
  return Loaded;
}

llvm::Expected<PolicyEpisode> rollOut(Environment &Env, LoadedPolicy &Policy,
                                      const BenchmarkPtr &B,
                                      int64_t EpisodeLength,
                                      const ActionChooser &Choose) {
  if (auto R = Env.reset(B); !R)
    return R.takeError();
  PolicyEpisode Episode;
  Episode.Start = baselinePipeline(Policy.Saved.StartFrom);
  auto StartFailed = applyStart(Env, Policy.Saved.StartFrom);
  if (!StartFailed)
    return StartFailed.takeError();
  if (!StartFailed->empty()) {
    // The episode ends before the policy's first step.
    Episode.Error = "starting from " + Episode.Start + ": " + *StartFailed;
    Episode.StartFailed = true;
    return Episode;
  }
  torch::NoGradGuard NoGrad;
  torch::Tensor Logits; // Of the current state, with no-op actions masked.
  auto Initial = Env.module();
  if (!Initial)
    return Initial.takeError();
  std::string StateHash = irHash(*Initial);
  for (int64_t Step = 0; Step < EpisodeLength; ++Step) {
    if (!Logits.defined()) {
      auto M = Env.module();
      if (!M)
        return M.takeError();
      auto O = observe(*M, Policy.Encoding.Kind);
      if (!O)
        return O.takeError();
      Logits = Policy.Saved.Policy
                   ->forward(encodeStates({&*O}, Policy.Encoding))[0]
                   .clone();
    }
    if (std::isinf(Logits.max().item<float>()))
      break; // Every action leaves this module unchanged.
    int64_t Chosen = Choose(Logits);
    auto S = Env.step(static_cast<size_t>(Chosen));
    if (!S)
      return S.takeError();
    ++Episode.Steps;
    if (S->Done) {
      Episode.Error = S->Info.Error;
      return Episode;
    }
    std::string Hash = StateHash;
    if (S->Info.Changed) {
      auto M = Env.module();
      if (!M)
        return M.takeError();
      Hash = irHash(*M);
    }
    if (Hash != StateHash) {
      Episode.Effective.push_back(static_cast<size_t>(Chosen));
      Logits = torch::Tensor();
      StateHash = std::move(Hash);
    } else {
      Logits[Chosen] = -std::numeric_limits<float>::infinity();
    }
  }
  return Episode;
}

} // namespace passgym::learning
