//===- optimize/Evaluator.h - The cost of a candidate pipeline ------------===//
//
// A candidate is evaluated by applying its elements, one environment step
// each, to the benchmark's unoptimized module and observing the objective's
// cost. Environments run their steps in worker processes (by default), so a
// candidate that crashes LLVM, corrupts memory or hangs is an invalid
// candidate with its reason, never the end of the search. States after
// recent prefixes are kept, so a candidate that shares a prefix with an
// earlier one starts from there. Run times go through the measurement context
// (validated against the unoptimized program, cached by IR hash).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OPTIMIZE_EVALUATOR_H
#define PASSGYM_OPTIMIZE_EVALUATOR_H

#include "costs/Cost.h"
#include "env/Environment.h"
#include "optimize/Pipeline.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace passgym {

struct Evaluation {
  Candidate Pipeline;
  /// The objective's cost; none for an invalid candidate.
  std::optional<double> Cost;
  /// Why the candidate is invalid (a pass crashed, timed out, broke the IR,
  /// the program misbehaved, LLVM refused the text).
  std::string Error;
  /// Seconds since the search started when it was evaluated.
  double At = 0;
  /// The host fingerprint of the MPI rank that evaluated it (its run time
  /// was measured there); empty when this process's own jobs did.
  std::string Host;
};

/// Evaluates a batch of candidates; the result is in the batch's order.
using BatchEvaluator =
    std::function<std::vector<Evaluation>(const std::vector<Candidate> &)>;

class CandidateEvaluator {
public:
  /// An evaluator with an environment of its own on \p B (Options' reward
  /// space is replaced by the instruction count, which costs nothing).
  static llvm::Expected<std::unique_ptr<CandidateEvaluator>>
  create(BenchmarkPtr B, EnvironmentOptions Options, CostFunction Cost);

  Evaluation evaluate(const Candidate &C);

  /// The module after \p C, for building, checking or writing it out; valid
  /// until the evaluator's next call.
  llvm::Expected<const llvm::Module &> moduleAfter(const Candidate &C);

private:
  /// Puts Work in the state after \p C, from the longest kept prefix.
  llvm::Error reach(const Candidate &C);
  /// Keeps Work's state as the state after \p Prefix.
  llvm::Error keep(Candidate Prefix);
  /// After a failure that took Work's worker (and its kept states) with it.
  llvm::Error startOver();
  CandidateEvaluator(std::unique_ptr<Environment> Start, CostFunction Cost)
      : Start(std::move(Start)), Cost(Cost) {}
  /// The unoptimized module, never stepped; Work is a fork of it.
  std::unique_ptr<Environment> Start;
  std::unique_ptr<Environment> Work;
  CostFunction Cost;
  /// States kept in Work (Environment::keep), most recently used first: the
  /// elements applied, and the key each is kept under.
  std::list<std::pair<Candidate, uint64_t>> Prefixes;
  uint64_t NextKey = 0;
  /// The elements applied to reach Work's current state; none when it is
  /// unknown (after a failure).
  std::optional<Candidate> Current;
};

/// Evaluates one candidate with job \p Job's resources.
using JobEvaluator = std::function<Evaluation(unsigned Job, const Candidate &)>;

/// Shares each batch out among \p Jobs threads, job I calling
/// \p Evaluate(I, ...) for the candidates it takes.
BatchEvaluator shareOut(unsigned Jobs, JobEvaluator Evaluate);

/// A pool of \p Jobs evaluators (each with its own worker environment), the
/// candidates of a batch shared out among threads; job I pins its measured
/// runs to CPU I when \p PinCpus.
llvm::Expected<BatchEvaluator>
parallelEvaluator(BenchmarkPtr B, const EnvironmentOptions &Options,
                  CostFunction Cost, unsigned Jobs, bool PinCpus);

} // namespace passgym

#endif
