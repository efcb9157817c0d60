//===- optimize/EvolutionStrategy.cpp - (1+lambda) edits of the best -------===//
//
// Every proposal is a best candidate so far (one of them, when several are
// equally cheap) with one to three random edits (optimize/Pipeline.h);
// before anything was evaluated, the seeds. Taking the best as the only
// parent makes this a (1+lambda) evolution strategy, lambda being the batch
// size; a child replaces its parent only by being cheaper.
//
//===----------------------------------------------------------------------===//
#include "optimize/Strategy.h"

namespace passgym {
namespace {

/// Every candidate as cheap as the best. A standard level is both one
/// element (`default<Oz>`) and its elements: equally cheap, but only the
/// second can be edited inside, so ties must not shadow it.
std::vector<const Candidate *> bestOnes(const SearchState &State) {
  std::vector<const Candidate *> Best;
  const Evaluation *B = State.best();
  if (!B)
    return Best;
  for (const Evaluation &E : State.History)
    if (E.Cost && *E.Cost == *B->Cost)
      Best.push_back(&E.Pipeline);
  return Best;
}

class EvolutionStrategy : public Strategy {
public:
  std::vector<Candidate> propose(const SearchState &State, size_t Count,
                                 std::mt19937_64 &Random) override {
    std::vector<Candidate> Batch;
    for (const Candidate &Seed : State.Seeds)
      if (!State.seen(Seed) && Batch.size() < Count)
        Batch.push_back(Seed);
    std::vector<const Candidate *> Parents = bestOnes(State);
    Candidate Nothing;
    if (Parents.empty())
      Parents.push_back(State.Seeds.empty() ? &Nothing : &State.Seeds.front());
    std::uniform_int_distribution<int> Edits(1, 3);
    std::uniform_int_distribution<size_t> Pick(0, Parents.size() - 1);
    while (Batch.size() < Count) {
      Candidate Child = *Parents[Pick(Random)];
      for (int E = Edits(Random); E > 0; --E)
        Child = editPipeline(Child, State.Edits, Random);
      Batch.push_back(std::move(Child));
    }
    return Batch;
  }
};

} // namespace

std::unique_ptr<Strategy> makeEvolutionStrategy() {
  return std::make_unique<EvolutionStrategy>();
}

} // namespace passgym
