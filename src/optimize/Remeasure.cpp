#include "optimize/Remeasure.h"

#include "costs/Measurement.h"
#include "datasets/Benchmark.h"
#include "runtime/Runtime.h"
#include "support/Statistics.h"

namespace passgym {
namespace {

/// A run of \p P, checked against the unoptimized program's behaviour.
TimedRun checkedRun(const Program &P, const Benchmark &B,
                    const ProgramBehaviour &Reference,
                    std::optional<unsigned> Cpu) {
  return [&P, &B, &Reference, Cpu]() -> llvm::Expected<double> {
    auto Outcome = P.run(*B.runSpec(), Cpu);
    if (!Outcome)
      return Outcome.takeError();
    if (llvm::Error E = compareBehaviour(Reference, Outcome->first,
                                         *B.runSpec()))
      return std::move(E);
    return Outcome->second;
  };
}

} // namespace

llvm::Expected<Comparison> compareInterleaved(const TimedRun &Baseline,
                                              const TimedRun &Candidate,
                                              unsigned Pairs) {
  Comparison Result;
  std::vector<double> Ratios;
  for (unsigned Pair = 0; Pair < Pairs; ++Pair) {
    bool BaselineFirst = Pair % 2 == 0;
    const TimedRun &First = BaselineFirst ? Baseline : Candidate;
    const TimedRun &Second = BaselineFirst ? Candidate : Baseline;
    auto FirstMs = First();
    if (!FirstMs)
      return FirstMs.takeError();
    auto SecondMs = Second();
    if (!SecondMs)
      return SecondMs.takeError();
    double BaselineMs = BaselineFirst ? *FirstMs : *SecondMs;
    double CandidateMs = BaselineFirst ? *SecondMs : *FirstMs;
    if (CandidateMs <= 0)
      return llvm::createStringError("a run reported no time");
    Result.BaselineMs.push_back(BaselineMs);
    Result.CandidateMs.push_back(CandidateMs);
    Ratios.push_back(BaselineMs / CandidateMs);
  }
  if (Ratios.empty())
    return llvm::createStringError("no pairs of runs to compare");
  Result.Speedup = median(Ratios);
  std::tie(Result.Lower, Result.Upper) = medianInterval(Ratios);
  return Result;
}

llvm::Expected<Comparison> comparePrograms(const Program &Baseline,
                                           const Program &Candidate,
                                           const Benchmark &B, unsigned Pairs,
                                           std::optional<unsigned> Cpu) {
  auto Reference = referenceBehaviour(B);
  if (!Reference)
    return Reference.takeError();
  return compareInterleaved(checkedRun(Baseline, B, *Reference, Cpu),
                            checkedRun(Candidate, B, *Reference, Cpu), Pairs);
}

} // namespace passgym
