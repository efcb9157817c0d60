//===- optimize/RandomStrategy.cpp - Random sequences of actions ----------===//
#include "optimize/Strategy.h"

namespace passgym {
namespace {

class RandomStrategy : public Strategy {
public:
  explicit RandomStrategy(size_t EpisodeLength)
      : EpisodeLength(std::max<size_t>(EpisodeLength, 1)) {}

  std::vector<Candidate> propose(const SearchState &State, size_t Count,
                                 std::mt19937_64 &Random) override {
    const std::vector<std::string> &Actions = State.Edits.Insertable;
    if (Actions.empty())
      return {};
    std::uniform_int_distribution<size_t> Length(1, EpisodeLength);
    std::uniform_int_distribution<size_t> Action(0, Actions.size() - 1);
    std::vector<Candidate> Batch(Count);
    for (Candidate &C : Batch)
      for (size_t I = Length(Random); I > 0; --I)
        C.push_back(Actions[Action(Random)]);
    return Batch;
  }

private:
  size_t EpisodeLength;
};

} // namespace

std::unique_ptr<Strategy> makeRandomStrategy(const StrategyOptions &Options) {
  return std::make_unique<RandomStrategy>(Options.EpisodeLength);
}

} // namespace passgym
