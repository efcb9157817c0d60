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

  /// The environment after \p C, for writing out its module.
  llvm::Expected<std::unique_ptr<Environment>> stateAfter(const Candidate &C);

private:
  /// The state after \p C, kept among the recent states.
  llvm::Expected<Environment &> reach(const Candidate &C);
  void keep(Candidate Prefix, std::unique_ptr<Environment> State);

  CandidateEvaluator(std::unique_ptr<Environment> Start, CostFunction Cost)
      : Start(std::move(Start)), Cost(Cost) {}

  std::unique_ptr<Environment> Start;
  CostFunction Cost;
  /// Recently reached states, most recent first, by the elements applied.
  std::list<std::pair<Candidate, std::unique_ptr<Environment>>> Prefixes;
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
