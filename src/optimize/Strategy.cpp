#include "optimize/Strategy.h"

#include "llvm/ADT/STLExtras.h"

namespace passgym {

std::unique_ptr<Strategy> makeRandomStrategy(const StrategyOptions &Options);
std::unique_ptr<Strategy> makeGreedyStrategy(size_t Width);
std::unique_ptr<Strategy> makeEvolutionStrategy();
std::unique_ptr<Strategy> makePolicyStrategy(ProposalSource Proposals);

namespace {

struct StrategyInfo {
  StrategyKind Kind;
  llvm::StringRef Name;
  llvm::StringRef Description;
};

const StrategyInfo kStrategies[] = {
#define PASSGYM_STRATEGY(Kind, Name, Description)                              \
  {StrategyKind::Kind, Name, Description},
#include "optimize/Strategies.def"
};

const StrategyInfo &infoOf(StrategyKind Kind) {
  return *llvm::find_if(kStrategies, [&](const StrategyInfo &Info) {
    return Info.Kind == Kind;
  });
}

} // namespace

Strategy::~Strategy() = default;

void SearchState::add(Evaluation E) {
  Seen.insert(pipelineText(E.Pipeline));
  History.push_back(std::move(E));
  const Evaluation &Added = History.back();
  if (!Added.Cost)
    return;
  const Evaluation *Current = best();
  if (!Current || *Added.Cost < *Current->Cost ||
      (*Added.Cost == *Current->Cost &&
       Added.Pipeline.size() < Current->Pipeline.size()))
    Best = History.size() - 1;
}

bool SearchState::seen(const Candidate &C) const {
  return Seen.count(pipelineText(C)) != 0;
}

const std::vector<StrategyKind> &strategyKinds() {
  static const std::vector<StrategyKind> Kinds = [] {
    std::vector<StrategyKind> All;
    for (const StrategyInfo &Info : kStrategies)
      All.push_back(Info.Kind);
    return All;
  }();
  return Kinds;
}

llvm::StringRef strategyName(StrategyKind Kind) { return infoOf(Kind).Name; }

llvm::StringRef strategyDescription(StrategyKind Kind) {
  return infoOf(Kind).Description;
}

std::optional<StrategyKind> parseStrategy(llvm::StringRef Name) {
  for (const StrategyInfo &Info : kStrategies)
    if (Info.Name == Name)
      return Info.Kind;
  return std::nullopt;
}

std::unique_ptr<Strategy> makeStrategy(StrategyKind Kind,
                                       const StrategyOptions &Options) {
  switch (Kind) {
  case StrategyKind::Random:
    return makeRandomStrategy(Options);
  case StrategyKind::Greedy:
    return makeGreedyStrategy(1);
  case StrategyKind::Beam:
    return makeGreedyStrategy(Options.BeamWidth);
  case StrategyKind::Auto:
  case StrategyKind::Evolution:
    return makeEvolutionStrategy();
  case StrategyKind::Policy:
    return makePolicyStrategy(Options.Proposals);
  }
  llvm_unreachable("every strategy is handled");
}

size_t batchSizeFor(unsigned Jobs) {
  return Jobs <= 1 ? 4 : size_t(8) * Jobs;
}

void runSearch(Strategy &S, SearchState &State, const BatchEvaluator &Evaluate,
               const SearchLimits &Limits, uint64_t Seed,
               std::chrono::steady_clock::time_point Started,
               const SearchObserver &Observe) {
  std::mt19937_64 Random(Seed);
  auto Elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         Started);
  };
  uint64_t Evaluated = 0;
  // A strategy that proposes only candidates seen before this many times in
  // a row has nothing new left.
  constexpr int kStaleRounds = 50;
  int Stale = 0;
  while (Elapsed() < Limits.Time &&
         (!Limits.Candidates || Evaluated < *Limits.Candidates)) {
    size_t Count = Limits.BatchSize;
    if (Limits.Candidates)
      Count = std::min<uint64_t>(Count, *Limits.Candidates - Evaluated);
    std::vector<Candidate> Batch;
    for (Candidate &C : S.propose(State, Count, Random))
      if (!State.seen(C) && !llvm::is_contained(Batch, C))
        Batch.push_back(std::move(C));
    if (Batch.empty()) {
      if (++Stale >= kStaleRounds)
        return;
      continue;
    }
    Stale = 0;
    for (Evaluation &E : Evaluate(Batch)) {
      E.At = Elapsed().count();
      State.add(std::move(E));
    }
    Evaluated += Batch.size();
    if (Observe)
      Observe(State);
  }
}

} // namespace passgym
