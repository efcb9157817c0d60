//===- rewards/Reward.h - Rewards from cost reductions --------------------===//
//
// CompilerGym's reward definitions: R_t = C(s_{t-1}) - C(s_t) for a cost C,
// optionally divided by a per-episode scale:
//   Norm   C(s_0)
//   O3/Oz  C(s_0) - C(baseline), floored at 1% of C(s_0)
// The floor is passgym's answer to CompilerGym's division blow-up when the
// baseline is no better than the unoptimized program (docs/rewards.md).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_REWARDS_REWARD_H
#define PASSGYM_REWARDS_REWARD_H

#include "costs/Cost.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

class Benchmark;
class MeasurementContext;

enum class RewardScale { None, Initial, O3, Oz };

struct RewardSpace {
  std::string Name;
  CostFunction Cost;
  RewardScale Scale;
};

/// IrInstructionCount{,Norm,O3,Oz}, ObjectTextSizeBytes{,Norm,O3,Oz}, and
/// Runtime{,Norm,O3} (runnable benchmarks only).
const std::vector<RewardSpace> &rewardSpaces();
llvm::Expected<const RewardSpace &> findRewardSpace(llvm::StringRef Name);

/// The fraction of C(s_0) below which the O3/Oz scale is floored.
inline constexpr double kMinimumBaselineGain = 0.01;

/// One episode's reward state: the previous cost and the scale.
class RewardTracker {
public:
  /// Run times are measured with \p Measurement, here and in step().
  static llvm::Expected<RewardTracker> start(const RewardSpace &Space,
                                             const llvm::Module &Initial,
                                             const Benchmark &B,
                                             MeasurementContext &Measurement);

  /// The reward for moving to \p Current. When \p Changed is false the module
  /// is known to be unchanged and the cost is not recomputed.
  llvm::Expected<double> step(const llvm::Module &Current, const Benchmark &B,
                              bool Changed, MeasurementContext &Measurement);
  /// The reward for moving to a state whose cost the caller already knows.
  double stepTo(double Cost);

  double initialCost() const { return Initial; }
  double currentCost() const { return Previous; }
  /// The reward of a step that ends the episode on a failure (a crash,
  /// invalid IR, a program that no longer behaves as the unoptimized one):
  /// as bad as losing the whole unoptimized cost, -C(s_0) / scale.
  double failurePenalty() const { return -Initial / Scale; }
  double scale() const { return Scale; }
  /// Whether the O3/Oz scale was floored (the baseline gained less than 1%).
  bool scaleFloored() const { return Floored; }

  /// Everything the tracker holds, so that another process can hand it over.
  struct State {
    CostFunction Cost;
    double Initial, Previous, Scale;
    bool Floored;
  };
  State state() const { return {Cost, Initial, Previous, Scale, Floored}; }
  explicit RewardTracker(const State &S)
      : Cost(S.Cost), Initial(S.Initial), Previous(S.Previous), Scale(S.Scale),
        Floored(S.Floored) {}

private:
  RewardTracker(CostFunction Cost, double Initial, double Scale, bool Floored)
      : Cost(Cost), Initial(Initial), Previous(Initial), Scale(Scale),
        Floored(Floored) {}

  CostFunction Cost;
  double Initial;
  double Previous;
  double Scale;
  bool Floored;
};

} // namespace passgym

#endif
