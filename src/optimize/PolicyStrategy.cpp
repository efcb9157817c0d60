//===- optimize/PolicyStrategy.cpp - Candidates a trained policy offers ---===//
#include "optimize/Strategy.h"

namespace passgym {
namespace {

class PolicyStrategy : public Strategy {
public:
  explicit PolicyStrategy(ProposalSource Proposals)
      : Proposals(std::move(Proposals)) {}

  std::vector<Candidate> propose(const SearchState &State, size_t Count,
                                 std::mt19937_64 &) override {
    std::vector<Candidate> Fresh;
    if (!Proposals || Exhausted)
      return Fresh;
    for (Candidate &C : Proposals(Count, Round++))
      if (!State.seen(C))
        Fresh.push_back(std::move(C));
    // A call can be costly (a policy loaded in another process): a source
    // that keeps offering what was measured has nothing left.
    Dry = Fresh.empty() ? Dry + 1 : 0;
    Exhausted = Dry >= kDryCalls;
    return Fresh;
  }

private:
  static constexpr unsigned kDryCalls = 3;
  ProposalSource Proposals;
  uint64_t Round = 0;
  unsigned Dry = 0;
  bool Exhausted = false;
};

} // namespace

std::unique_ptr<Strategy> makePolicyStrategy(ProposalSource Proposals) {
  return std::make_unique<PolicyStrategy>(std::move(Proposals));
}

} // namespace passgym
