#include "optimize/Evaluator.h"

#include "llvm/ADT/STLExtras.h"

#include <atomic>
#include <thread>
#include <type_traits>
#include <variant>

namespace passgym {
namespace {

/// Kept states per evaluator: each may be a worker process holding a module.
constexpr size_t kKeptStates = 12;
/// A state is kept every this many steps, so that a candidate edited in the
/// middle restarts near the edit, not from the unoptimized module.
constexpr size_t kKeepEvery = 3;

bool startsWith(const Candidate &C, const Candidate &Prefix) {
  return Prefix.size() <= C.size() &&
         std::equal(Prefix.begin(), Prefix.end(), C.begin());
}

std::optional<double> numberOf(const Observation &O) {
  return std::visit(
      [](const auto &V) -> std::optional<double> {
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(V)>>)
          return static_cast<double>(V);
        else
          return std::nullopt;
      },
      O);
}

} // namespace

llvm::Expected<std::unique_ptr<CandidateEvaluator>>
CandidateEvaluator::create(BenchmarkPtr B, EnvironmentOptions Options,
                           CostFunction Cost) {
  Options.RewardSpace = "IrInstructionCount";
  Options.ObservationSpace = "";
  auto Env = Environment::create(std::move(Options));
  if (!Env)
    return Env.takeError();
  if (auto Started = (*Env)->reset(std::move(B)); !Started)
    return Started.takeError();
  return std::unique_ptr<CandidateEvaluator>(
      new CandidateEvaluator(std::move(*Env), Cost));
}

llvm::Expected<Environment &>
CandidateEvaluator::reach(const Candidate &C) {
  auto Longest = Prefixes.end();
  for (auto It = Prefixes.begin(); It != Prefixes.end(); ++It)
    if (startsWith(C, It->first) &&
        (Longest == Prefixes.end() || It->first.size() > Longest->first.size()))
      Longest = It;
  if (Longest != Prefixes.end() && Longest->first.size() == C.size()) {
    Prefixes.splice(Prefixes.begin(), Prefixes, Longest);
    return *Prefixes.front().second;
  }
  const Environment &Base =
      Longest == Prefixes.end() ? *Start : *Longest->second;
  size_t Done = Longest == Prefixes.end() ? 0 : Longest->first.size();
  auto Env = Base.fork();
  if (!Env)
    return Env.takeError();
  for (size_t I = Done; I < C.size(); ++I) {
    auto Step = (*Env)->stepPipeline(C[I]);
    if (!Step)
      return Step.takeError();
    if (Step->Done)
      return llvm::createStringError(Step->Info.Error);
    bool Last = I + 1 == C.size();
    if (Last || (I + 1 - Done) % kKeepEvery != 0)
      continue;
    auto Kept = (*Env)->fork();
    if (!Kept)
      return Kept.takeError();
    keep(Candidate(C.begin(), C.begin() + I + 1), std::move(*Kept));
  }
  keep(C, std::move(*Env));
  return *Prefixes.front().second;
}

void CandidateEvaluator::keep(Candidate Prefix,
                              std::unique_ptr<Environment> State) {
  Prefixes.emplace_front(std::move(Prefix), std::move(State));
  if (Prefixes.size() > kKeptStates)
    Prefixes.pop_back();
}

Evaluation CandidateEvaluator::evaluate(const Candidate &C) {
  Evaluation Result;
  Result.Pipeline = C;
  auto State = reach(C);
  if (!State) {
    Result.Error = llvm::toString(State.takeError());
    return Result;
  }
  auto Observed = State->observe(costName(Cost));
  if (!Observed) {
    Result.Error = llvm::toString(Observed.takeError());
    return Result;
  }
  Result.Cost = numberOf(*Observed);
  if (!Result.Cost)
    Result.Error = "the cost is not a number";
  return Result;
}

llvm::Expected<std::unique_ptr<Environment>>
CandidateEvaluator::stateAfter(const Candidate &C) {
  auto State = reach(C);
  if (!State)
    return State.takeError();
  return State->fork();
}

llvm::Expected<BatchEvaluator>
parallelEvaluator(BenchmarkPtr B, const EnvironmentOptions &Options,
                  CostFunction Cost, unsigned Jobs, bool PinCpus) {
  std::vector<std::shared_ptr<CandidateEvaluator>> Pool;
  for (unsigned Job = 0; Job < std::max(Jobs, 1u); ++Job) {
    EnvironmentOptions Own = Options;
    if (PinCpus) {
      MeasurementOptions Measure = Options.Measurement->options();
      Measure.Cpu = Job % std::max(1u, std::thread::hardware_concurrency());
      Own.Measurement = std::make_shared<MeasurementContext>(
          Measure, Options.Measurement->cachePath());
    }
    auto Evaluator = CandidateEvaluator::create(B, std::move(Own), Cost);
    if (!Evaluator)
      return Evaluator.takeError();
    Pool.push_back(std::move(*Evaluator));
  }
  return shareOut(Pool.size(), [Pool](unsigned Job, const Candidate &C) {
    return Pool[Job]->evaluate(C);
  });
}

BatchEvaluator shareOut(unsigned Jobs, JobEvaluator Evaluate) {
  Jobs = std::max(Jobs, 1u);
  return [Jobs, Evaluate](const std::vector<Candidate> &Batch) {
    std::vector<Evaluation> Results(Batch.size());
    std::atomic<size_t> Next{0};
    auto Work = [&](unsigned Job) {
      for (size_t I = Next++; I < Batch.size(); I = Next++)
        Results[I] = Evaluate(Job, Batch[I]);
    };
    std::vector<std::thread> Threads;
    for (unsigned Job = 1; Job < Jobs; ++Job)
      Threads.emplace_back(Work, Job);
    Work(0);
    for (std::thread &T : Threads)
      T.join();
    return Results;
  };
}

} // namespace passgym
