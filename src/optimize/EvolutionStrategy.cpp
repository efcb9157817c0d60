//===- optimize/EvolutionStrategy.cpp - (1+lambda) edits of the best -------===//
//
// Every proposal is the best candidate so far with one to three random edits
// (optimize/Pipeline.h); before anything was evaluated, the seeds. Taking the
// best as the only parent makes this a (1+lambda) evolution strategy, lambda
// being the batch size; a child replaces its parent only by being cheaper.
//
//===----------------------------------------------------------------------===//
#include "optimize/Strategy.h"

namespace passgym {
namespace {

class EvolutionStrategy : public Strategy {
public:
  std::vector<Candidate> propose(const SearchState &State, size_t Count,
                                 std::mt19937_64 &Random) override {
    std::vector<Candidate> Batch;
    for (const Candidate &Seed : State.Seeds)
      if (!State.seen(Seed) && Batch.size() < Count)
        Batch.push_back(Seed);
    const Evaluation *Best = State.best();
    Candidate Parent = Best ? Best->Pipeline
                            : (State.Seeds.empty() ? Candidate()
                                                   : State.Seeds.front());
    std::uniform_int_distribution<int> Edits(1, 3);
    while (Batch.size() < Count) {
      Candidate Child = Parent;
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
