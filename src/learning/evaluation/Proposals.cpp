//===- learning/evaluation/Proposals.cpp - Pass sequences from a policy ---===//
#include "learning/evaluation/Proposals.h"

#include "learning/evaluation/PolicyRun.h"

#include <random>

namespace passgym::learning {
namespace {

ActionChooser greedy() {
  return [](const torch::Tensor &Logits) {
    return Logits.argmax().item<int64_t>();
  };
}

ActionChooser sampled(double Temperature, std::mt19937_64 &Random) {
  return [Temperature, &Random](const torch::Tensor &Logits) {
    torch::Tensor Probabilities =
        torch::softmax(Logits / Temperature, 0).contiguous();
    const float *P = Probabilities.data_ptr<float>();
    std::discrete_distribution<int64_t> Pick(P, P + Probabilities.numel());
    return Pick(Random);
  };
}

} // namespace

llvm::Expected<std::vector<std::vector<std::string>>>
proposeSequences(const ProposeOptions &Options) {
  if (!(Options.Temperature > 0))
    return llvm::createStringError("the temperature must be above 0");
  auto Loaded =
      loadPolicy(Options.Policy, Options.ActionsFile, Options.VocabularyFile);
  if (!Loaded)
    return Loaded.takeError();
  auto B = loadBenchmark(Options.Benchmark);
  if (!B)
    return B.takeError();
  auto Env = Environment::create({Loaded->Space, "", "IrInstructionCount"});
  if (!Env)
    return Env.takeError();
  int64_t Length = Options.EpisodeLength > 0 ? Options.EpisodeLength
                                             : Loaded->Saved.EpisodeLength;
  std::mt19937_64 Random(Options.Seed);
  std::vector<std::vector<std::string>> Proposals;
  for (size_t I = 0; I < Options.Count; ++I) {
    auto Episode = rollOut(**Env, *Loaded, *B, Length,
                           I == 0 ? greedy()
                                  : sampled(Options.Temperature, Random));
    if (!Episode)
      return Episode.takeError();
    // Every episode starts alike: the others would fail the same way.
    if (Episode->StartFailed)
      return llvm::createStringError("'" + Options.Benchmark +
                                     "': " + Episode->Error);
    if (!Episode->Error.empty() || Episode->Effective.empty())
      continue;
    Proposals.push_back(pipelineElements(*Episode, *Loaded->Space));
  }
  return Proposals;
}

} // namespace passgym::learning
