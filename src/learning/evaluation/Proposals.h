//===- learning/evaluation/Proposals.h - Pass sequences from a policy -----===//
//
// A trained policy as a source of candidates for `optimize`'s policy
// strategy (`passgym propose`): episodes on one benchmark, the first greedy
// (as `eval` runs it), the others sampled from the policy's distribution at
// a temperature, each from the policy's start (as in `eval`) and reduced to
// the start and the actions that changed the module. The search, not the
// policy, decides which is best: it measures them. No torch in this header.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_EVALUATION_PROPOSALS_H
#define PASSGYM_LEARNING_EVALUATION_PROPOSALS_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace passgym::learning {

struct ProposeOptions {
  /// The checkpoint directory.
  std::string Policy;
  std::string Benchmark;
  /// Episodes to run; the first is the greedy one.
  size_t Count = 16;
  uint64_t Seed = 0;
  /// Softmax temperature of the sampled episodes: below 1 stays closer to
  /// the greedy choice, above 1 explores more.
  double Temperature = 1.0;
  /// Steps per episode; 0 for the episode length the policy trained with.
  int64_t EpisodeLength = 0;
  std::string ActionsFile;
  std::string VocabularyFile;
};

/// The proposals, each a pipeline to apply to the unoptimized module as
/// top-level `opt -passes=` elements: the start the policy was trained from
/// (`default<O3>`), if any, then its effective actions in order. Episodes in
/// which no action changed the module, or a pass failed, are left out; a
/// start pipeline that fails on the benchmark is an error.
llvm::Expected<std::vector<std::vector<std::string>>>
proposeSequences(const ProposeOptions &Options);

} // namespace passgym::learning

#endif
