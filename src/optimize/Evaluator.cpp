#include "optimize/Evaluator.h"

#include "llvm/ADT/STLExtras.h"

#include <atomic>
#include <thread>
#include <type_traits>
#include <variant>

namespace passgym {
namespace {

/// States kept per evaluator besides the unoptimized one: each is a module
/// in the evaluator's worker.
constexpr size_t kKeptStates = 12;
/// A state is kept every this many steps, so that a candidate edited in the
/// middle restarts near the edit, not from the unoptimized module.
constexpr size_t kKeepEvery = 3;
/// The key the unoptimized state is kept under, never forgotten.
constexpr uint64_t kStartKey = 0;

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

llvm::Error CandidateEvaluator::startOver() {
  Prefixes.clear();
  Current.reset();
  auto Fresh = Start->fork();
  if (!Fresh)
    return Fresh.takeError();
  Work = std::move(*Fresh);
  if (llvm::Error E = Work->keep(kStartKey))
    return E;
  Current = Candidate();
  return llvm::Error::success();
}

llvm::Error CandidateEvaluator::keep(Candidate Prefix) {
  auto Same = llvm::find_if(
      Prefixes, [&](const auto &Kept) { return Kept.first == Prefix; });
  if (Same != Prefixes.end()) {
    Prefixes.splice(Prefixes.begin(), Prefixes, Same);
    return llvm::Error::success();
  }
  uint64_t Key = ++NextKey;
  if (llvm::Error E = Work->keep(Key))
    return E;
  Prefixes.emplace_front(std::move(Prefix), Key);
  if (Prefixes.size() > kKeptStates) {
    Work->forget(Prefixes.back().second);
    Prefixes.pop_back();
  }
  return llvm::Error::success();
}

llvm::Error CandidateEvaluator::reach(const Candidate &C) {
  if (!Work)
    if (llvm::Error E = startOver())
      return E;
  auto Longest = Prefixes.end();
  for (auto It = Prefixes.begin(); It != Prefixes.end(); ++It)
    if (startsWith(C, It->first) &&
        (Longest == Prefixes.end() || It->first.size() > Longest->first.size()))
      Longest = It;
  size_t From = 0;
  uint64_t Key = kStartKey;
  if (Longest != Prefixes.end()) {
    Prefixes.splice(Prefixes.begin(), Prefixes, Longest);
    From = Prefixes.front().first.size();
    Key = Prefixes.front().second;
  }
  // A search often extends the candidate it evaluated last: no copy then.
  if (Current && startsWith(C, *Current) && Current->size() >= From) {
    From = Current->size();
  } else if (llvm::Error E = Work->restore(Key)) {
    // The step that failed took the worker, and its kept states, with it.
    llvm::consumeError(std::move(E));
    if (llvm::Error E = startOver())
      return E;
    From = 0;
  }
  Current = Candidate(C.begin(), C.begin() + From);
  // Between two kept states the steps are one multistep: verified once.
  for (size_t I = From; I < C.size(); I += kKeepEvery) {
    auto Part = llvm::ArrayRef(C).slice(I, std::min(kKeepEvery, C.size() - I));
    auto Step = Work->multistepPipelines(Part);
    if (!Step)
      return Step.takeError(); // LLVM refused the text: nothing changed
    if (Step->Done) {
      Current.reset();
      return llvm::createStringError(Step->Info.Error);
    }
    Current->insert(Current->end(), Part.begin(), Part.end());
    if (llvm::Error E = keep(*Current))
      return E;
  }
  return llvm::Error::success();
}

Evaluation CandidateEvaluator::evaluate(const Candidate &C) {
  Evaluation Result;
  Result.Pipeline = C;
  if (llvm::Error E = reach(C)) {
    Result.Error = llvm::toString(std::move(E));
    return Result;
  }
  auto Observed = Work->observe(costName(Cost));
  if (!Observed) {
    Result.Error = llvm::toString(Observed.takeError());
    return Result;
  }
  Result.Cost = numberOf(*Observed);
  if (!Result.Cost)
    Result.Error = "the cost is not a number";
  return Result;
}

llvm::Expected<const llvm::Module &>
CandidateEvaluator::moduleAfter(const Candidate &C) {
  if (llvm::Error E = reach(C))
    return std::move(E);
  return Work->module();
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
