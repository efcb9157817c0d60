//===- learning/evaluation/Evaluation.h - What `passgym eval` does -*- C++
//-*-===//
//
// Runs a trained policy greedily (the most likely action at each step, no
// search; an action that left the module unchanged is not retried in the
// same state) on every benchmark of a dataset for the episode length it was
// trained with, each episode from the module its training episodes started
// from (the unoptimized one, or -O3's output etc.), and measures the result:
// instruction count against -Oz and, for runnable programs, execution time
// against -O0 and -O3 (every measured run validated against the unoptimized
// program). Those times are single measurements, a screening figure; the
// speed-up against -O3 that counts is measured in interleaved pairs of runs
// (optimize/Remeasure.h), as `optimize` claims a win. No torch in this
// header. docs/learning.md ("Evaluation").
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_EVALUATION_EVALUATION_H
#define PASSGYM_LEARNING_EVALUATION_EVALUATION_H

#include "optimize/Remeasure.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace passgym::learning {

struct EvalRunOptions {
  /// The checkpoint directory.
  std::string Policy;
  std::vector<std::string> Datasets = {"builtin-v0:test"};
  /// Steps per benchmark; 0 for the episode length the policy trained with.
  int64_t EpisodeLength = 0;
  /// Measure execution time of runnable benchmarks.
  bool Runtime = true;
  /// The action space the policy must have been trained on (empty: the
  /// built-in one) and, optionally, the vocabulary.
  std::string ActionsFile;
  std::string VocabularyFile;
  std::optional<unsigned> Cpu;
  /// Interleaved pairs of runs (-O3's program, the policy's) per runnable
  /// benchmark for the speed-up against -O3 with its 95% interval; 0 skips
  /// them.
  unsigned RemeasurePairs = 21;
};

struct EvalRow {
  std::string Benchmark;
  /// The start pipeline (EvalResult::StartPipeline), if any, then the
  /// actions that changed the module (its IR hash), in order: applying them
  /// alone to the unoptimized module gives the policy's final module.
  std::vector<std::string> Sequence;
  std::string Pipeline; ///< opt-19 -passes= string of Sequence.
  /// The policy's steps taken: fewer than the episode length when every
  /// action left the last module unchanged.
  int64_t Steps = 0;
  /// Why the episode failed (a pass crashed or broke the program); the
  /// measurements below are then unset.
  std::string Error;
  std::optional<double> InstCount, InstCountOz;
  std::optional<double> RuntimeMs, RuntimeO0Ms, RuntimeO3Ms;
  /// Why there is no runtime: "not runnable", "not measured", or the
  /// measurement's or validation's error.
  std::string RuntimeNote;
  /// -O3 against the policy's program in interleaved pairs of runs; unset
  /// when not measured (RuntimeNote says why, if it failed).
  std::optional<Comparison> PairedVsO3;

  std::optional<double> instCountVsOz() const; ///< Oz / policy, > 1 wins.
  std::optional<double> speedupVsO0() const;   ///< O0 / policy.
  std::optional<double> speedupVsO3() const;   ///< O3 / policy, > 1 wins.
  std::optional<double> pairedVsO3() const;    ///< PairedVsO3's median.
};

struct GeoMean {
  double Value = 0; ///< NaN when Count is 0.
  size_t Count = 0;
};

struct EvalResult {
  std::string Algorithm, RewardSpace;
  /// The state the policy sees (--state it was trained with).
  std::string State;
  int64_t EpisodeLength = 0;
  /// Applied to each benchmark before the policy's first step: the start its
  /// training episodes had (`default<O3>` for --start-from O3), empty for
  /// none.
  std::string StartPipeline;
  std::vector<EvalRow> Rows;
  GeoMean InstCountVsOz, SpeedupVsO0, SpeedupVsO3;
  /// Of the paired medians; and how many intervals lie wholly above 1 (the
  /// policy is faster than -O3) and wholly below it.
  GeoMean PairedVsO3;
  size_t FasterThanO3 = 0, SlowerThanO3 = 0;
};

llvm::Expected<EvalResult> runEvaluation(
    const EvalRunOptions &Options,
    const std::function<void(size_t Done, size_t Total,
                             const std::string &Benchmark)> &Progress = {});

/// The table: one row per benchmark, then the geometric means.
void printEvaluation(const EvalResult &Result, llvm::raw_ostream &Out);
/// The same as JSON.
std::string evaluationJson(const EvalResult &Result);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_EVALUATION_EVALUATION_H
