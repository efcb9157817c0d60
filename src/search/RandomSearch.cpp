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
    if (Budget.Steps && Steps >= *Budget.Steps)
      return true;
    return Budget.Time && elapsed() >= *Budget.Time;
  }

private:
  SearchBudget Budget;
  Clock::time_point Start;
};

} // namespace

double SearchResult::bestCost() const { return Best->reward().currentCost(); }

llvm::Expected<SearchResult> randomSearch(const Environment &Start,
                                          const RandomSearchOptions &Options,
                                          const ProgressCallback &Progress) {
  if (!Options.Budget.Time && !Options.Budget.Steps)
    return llvm::createStringError("random search needs a time or step budget");
  if (Options.EpisodeLength == 0)
    return llvm::createStringError("the episode length must be at least 1");
  if (!Start.inEpisode() || Start.done())
    return llvm::createStringError("search needs an environment after reset()");

  SearchResult Result;
  Result.InitialCost = Start.reward().currentCost();
  auto Initial = Start.fork();
  if (!Initial)
    return Initial.takeError();
  Result.Best = std::move(*Initial);
  std::mt19937_64 Generator(Options.Seed);
  std::uniform_int_distribution<size_t> Pick(0, Start.actions().size() - 1);
  BudgetClock Budget(Options.Budget);

  while (!Budget.exhausted(Result.Steps)) {
    auto Env = Start.fork();
    if (!Env)
      return Env.takeError();
    ++Result.Episodes;
    for (size_t I = 0;
         I < Options.EpisodeLength && !Budget.exhausted(Result.Steps); ++I) {
      auto Step = (*Env)->step(Pick(Generator));
      if (!Step)
        return Step.takeError();
      ++Result.Steps;
      if (Step->Done) {
        if (++Result.FailedEpisodes == 1) {
          Result.FirstFailure = Step->Info.Error;
          Result.FirstFailureActions = (*Env)->actionHistory();
        }
        break;
      }
      if ((*Env)->reward().currentCost() < Result.bestCost()) {
        auto Snapshot = (*Env)->fork();
        if (!Snapshot)
          return Snapshot.takeError();
        Result.Best = std::move(*Snapshot);
      }
      if (Progress)
        Progress({Result.Steps, Result.Episodes, Budget.elapsed(),
                  Result.bestCost()});
    }
  }
  Result.Elapsed = Budget.elapsed();
  return Result;
}

} // namespace passgym
