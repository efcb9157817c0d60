//===- optimize/GreedyStrategy.cpp - Greedy and beam search ---------------===//
//
// From the Width best candidates so far (at first, the seeds and what else
// was evaluated), every insertable action appended to each; once all of
// those are evaluated, the Width best candidates are extended in turn. Width
// 1 is greedy search; more is beam search. It ends when no extension of the
// beam improves on the best.
//
//===----------------------------------------------------------------------===//
#include "optimize/Strategy.h"

#include <algorithm>

namespace passgym {
namespace {

class GreedyStrategy : public Strategy {
public:
  explicit GreedyStrategy(size_t Width) : Width(std::max<size_t>(Width, 1)) {}

  std::vector<Candidate> propose(const SearchState &State, size_t Count,
                                 std::mt19937_64 &) override {
    if (Pending.empty() && !nextRound(State))
      return {};
    std::vector<Candidate> Batch;
    while (!Pending.empty() && Batch.size() < Count) {
      Batch.push_back(std::move(Pending.back()));
      Pending.pop_back();
    }
    return Batch;
  }

private:
  /// Queues the extensions of the current beam; false when the last round
  /// improved nothing.
  bool nextRound(const SearchState &State) {
    const Evaluation *Best = State.best();
    std::optional<double> BestCost = Best ? Best->Cost : std::nullopt;
    if (Rounds > 0 && BestCost && LastBest && *BestCost >= *LastBest)
      return false;
    LastBest = BestCost;
    ++Rounds;
    for (const Candidate &Start : beam(State))
      for (const std::string &Action : State.Edits.Insertable) {
        Candidate Extended = Start;
        Extended.push_back(Action);
        if (!State.seen(Extended))
          Pending.push_back(std::move(Extended));
      }
    std::reverse(Pending.begin(), Pending.end());
    return !Pending.empty();
  }

  /// The Width lowest-cost valid candidates; the empty pipeline (the
  /// unoptimized module) when there is none.
  std::vector<Candidate> beam(const SearchState &State) const {
    std::vector<const Evaluation *> Valid;
    for (const Evaluation &E : State.History)
      if (E.Cost)
        Valid.push_back(&E);
    std::stable_sort(Valid.begin(), Valid.end(),
                     [](const Evaluation *A, const Evaluation *B) {
                       return *A->Cost < *B->Cost;
                     });
    std::vector<Candidate> Beam;
    for (const Evaluation *E : Valid) {
      if (Beam.size() == Width)
        break;
      Beam.push_back(E->Pipeline);
    }
    if (Beam.empty())
      Beam.push_back({});
    return Beam;
  }

  size_t Width;
  std::vector<Candidate> Pending;
  std::optional<double> LastBest;
  unsigned Rounds = 0;
};

} // namespace

std::unique_ptr<Strategy> makeGreedyStrategy(size_t Width) {
  return std::make_unique<GreedyStrategy>(Width);
}

} // namespace passgym
