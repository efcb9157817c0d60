//===- optimize/Remeasure.h - Is the winner really faster? ----------------===//
//
// A run time found during a search is the minimum of a few runs, measured at
// some moment; the machine drifts. The winner is therefore measured again
// against the baseline, interleaved (baseline, candidate, baseline, ...), so
// that drift affects both alike. Each pair gives a ratio baseline/candidate;
// the speed-up is the median ratio with its distribution-free 95% interval
// (runtime/Runtime.h's medianInterval). A win is claimed only when the whole
// interval lies above 1.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OPTIMIZE_REMEASURE_H
#define PASSGYM_OPTIMIZE_REMEASURE_H

#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <vector>

namespace passgym {

class Benchmark;
class Program;

struct Comparison {
  /// Median of the per-pair ratios baseline time / candidate time.
  double Speedup = 0, Lower = 0, Upper = 0;
  std::vector<double> BaselineMs, CandidateMs;
  bool candidateIsFaster() const { return Lower > 1.0; }
};

/// One timed run, in milliseconds.
using TimedRun = std::function<llvm::Expected<double>()>;

/// \p Pairs interleaved pairs of runs of \p Baseline and \p Candidate (the
/// order within a pair alternates, so neither always runs first).
llvm::Expected<Comparison> compareInterleaved(const TimedRun &Baseline,
                                              const TimedRun &Candidate,
                                              unsigned Pairs);

/// compareInterleaved() of runs of \p Baseline and \p Candidate, two
/// programs of \p B, every run checked against the unoptimized program's
/// behaviour and pinned to \p Cpu if given.
llvm::Expected<Comparison> comparePrograms(const Program &Baseline,
                                           const Program &Candidate,
                                           const Benchmark &B, unsigned Pairs,
                                           std::optional<unsigned> Cpu);

} // namespace passgym

#endif
