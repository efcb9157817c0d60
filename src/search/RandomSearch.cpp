#include "search/Search.h"

#include "env/Environment.h"

#include <random>

namespace passgym {
namespace {

using Clock = std::chrono::steady_clock;

class BudgetClock {
public:
  explicit BudgetClock(const SearchBudget &Budget)
      : Budget(Budget), Start(Clock::now()) {}
  std::chrono::duration<double> elapsed() const { return Clock::now() - Start; }
  bool exhausted(uint64_t Steps) const {
    if (Budget.steps && Steps >= *Budget.steps)
      return true;
    return Budget.time && elapsed() >= *Budget.time;
  }

private:
  SearchBudget Budget;
  Clock::time_point Start;
};

} // namespace

double SearchResult::bestCost() const { return best->reward().currentCost(); }

llvm::Expected<SearchResult> randomSearch(const Environment &Start,
                                          const RandomSearchOptions &Options,
                                          const ProgressCallback &Progress) {
  if (!Options.budget.time && !Options.budget.steps)
    return llvm::createStringError("random search needs a time or step budget");
  if (Options.episodeLength == 0)
    return llvm::createStringError("the episode length must be at least 1");
  if (!Start.inEpisode() || Start.done())
    return llvm::createStringError("search needs an environment after reset()");

  SearchResult Result;
  Result.initialCost = Start.reward().currentCost();
  auto Initial = Start.fork();
  if (!Initial)
    return Initial.takeError();
  Result.best = std::move(*Initial);
  std::mt19937_64 Generator(Options.seed);
  std::uniform_int_distribution<size_t> Pick(0, Start.actions().size() - 1);
  BudgetClock Budget(Options.budget);

  while (!Budget.exhausted(Result.steps)) {
    auto Env = Start.fork();
    if (!Env)
      return Env.takeError();
    ++Result.episodes;
    for (size_t I = 0;
         I < Options.episodeLength && !Budget.exhausted(Result.steps); ++I) {
      auto Step = (*Env)->step(Pick(Generator));
      if (!Step)
        return Step.takeError();
      ++Result.steps;
      if (Step->Done) {
        if (++Result.failedEpisodes == 1)
          Result.firstFailure = Step->Info.Error;
        break;
      }
      if ((*Env)->reward().currentCost() < Result.bestCost()) {
        auto Snapshot = (*Env)->fork();
        if (!Snapshot)
          return Snapshot.takeError();
        Result.best = std::move(*Snapshot);
      }
      if (Progress)
        Progress({Result.steps, Result.episodes, Budget.elapsed(),
                  Result.bestCost()});
    }
  }
  Result.elapsed = Budget.elapsed();
  return Result;
}

} // namespace passgym
