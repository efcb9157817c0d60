//===- learning/evaluation/PolicyRun.h - A checkpoint's policy, run -------===//
//
// What `eval` and `propose` share: a checkpoint loaded as a policy with the
// state encoding it was trained with, and one episode of that policy on a
// benchmark, from the start its training episodes had (the unoptimized
// module, or the output of `default<O3>` etc.), the action at each state
// picked from the policy's logits by a chooser (greedy for `eval`, sampled
// for `propose`). Includes torch: only this room's sources include it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_EVALUATION_POLICYRUN_H
#define PASSGYM_LEARNING_EVALUATION_POLICYRUN_H

#include "actions/ActionSpace.h"
#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "learning/algorithms/CheckpointContents.h"
#include "learning/inputs/StateBatch.h"

#include "llvm/Support/Error.h"

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace passgym::learning {

struct LoadedPolicy {
  /// The checkpoint as saved (Policy in evaluation mode).
  CheckpointContents Saved;
  StateEncoding Encoding;
  /// The action space it was trained on.
  std::shared_ptr<const ActionSpace> Space;
};

/// Loads the checkpoint \p Directory; it must have been trained on the action
/// space of \p ActionsFile (empty: the space it recorded) and, when
/// \p VocabularyFile is given, with that vocabulary.
llvm::Expected<LoadedPolicy> loadPolicy(const std::string &Directory,
                                        const std::string &ActionsFile,
                                        const std::string &VocabularyFile);

/// The action to take, given the logits of a state in which the actions
/// already found to change nothing are at -infinity (not all of them).
using ActionChooser = std::function<int64_t(const torch::Tensor &Logits)>;

struct PolicyEpisode {
  /// The pipeline applied to the unoptimized module before the policy's
  /// first step: the checkpoint's start (`default<O3>`), empty for none.
  std::string Start;
  /// The actions that changed the module (its IR hash), in order: applying
  /// them alone gives the same module as the whole episode.
  std::vector<size_t> Effective;
  /// Steps taken: fewer than asked when every action left the last module
  /// unchanged.
  int64_t Steps = 0;
  /// Why the episode ended early (a pass crashed or broke the module).
  std::string Error;
  /// The start pipeline failed (Error says why): the policy took no step.
  bool StartFailed = false;
};

/// \p Episode as top-level `opt -passes=` elements: its start, if any, then
/// the pipelines of its effective actions. Applied to the unoptimized module
/// they give the episode's final module.
std::vector<std::string> pipelineElements(const PolicyEpisode &Episode,
                                          const ActionSpace &Space);

/// One episode of \p Policy on \p B, leaving \p Env at its final module. It
/// starts from the module the policy's training episodes started from: the
/// checkpoint's start pipeline is applied right after the reset.
///
/// A deterministic policy that picks a pass which leaves the module
/// unchanged would pick it again forever, since it sees the same state: so
/// at each state, the actions already found to change nothing are masked,
/// and the episode ends early when every action has been. "Nothing" is
/// decided by the IR hash, since some passes (speculative-execution) report
/// a change they did not make.
llvm::Expected<PolicyEpisode> rollOut(Environment &Env, LoadedPolicy &Policy,
                                      const BenchmarkPtr &B,
                                      int64_t EpisodeLength,
                                      const ActionChooser &Choose);

} // namespace passgym::learning

#endif
