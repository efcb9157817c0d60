#include "rewards/Reward.h"

#include <algorithm>

namespace passgym {
namespace {

llvm::StringRef scaleSuffix(RewardScale Scale) {
  switch (Scale) {
  case RewardScale::None:
    return "";
  case RewardScale::Initial:
    return "Norm";
  case RewardScale::O3:
    return "O3";
  case RewardScale::Oz:
    return "Oz";
  }
  llvm_unreachable("unknown reward scale");
}

std::vector<RewardSpace> makeSpaces() {
  std::vector<RewardSpace> Spaces;
  for (CostFunction Cost : kCostFunctions)
    for (RewardScale Scale : {RewardScale::None, RewardScale::Initial,
                              RewardScale::O3, RewardScale::Oz}) {
      // -Oz trades speed for size: not a runtime baseline.
      if (Cost == CostFunction::Runtime && Scale == RewardScale::Oz)
        continue;
      Spaces.push_back(
          {(costName(Cost) + scaleSuffix(Scale)).str(), Cost, Scale});
    }
  return Spaces;
}

} // namespace

const std::vector<RewardSpace> &rewardSpaces() {
  static const std::vector<RewardSpace> Spaces = makeSpaces();
  return Spaces;
}

llvm::Expected<const RewardSpace &> findRewardSpace(llvm::StringRef Name) {
  std::string Names;
  for (const RewardSpace &Space : rewardSpaces()) {
    if (Space.Name == Name)
      return Space;
    Names += (Names.empty() ? "" : ", ") + Space.Name;
  }
  return llvm::createStringError("unknown reward space '" + Name +
                                 "' (one of: " + Names + ")");
}

llvm::Expected<RewardTracker> RewardTracker::start(const RewardSpace &Space,
                                                   const llvm::Module &Initial,
                                                   const Benchmark &B,
                                                   MeasurementContext &Measurement) {
  auto InitialCost = computeCost(Space.Cost, Initial, B, Measurement);
  if (!InitialCost)
    return InitialCost.takeError();
  double Denominator = 1;
  bool Floored = false;
  if (Space.Scale == RewardScale::Initial)
    Denominator = *InitialCost > 0 ? *InitialCost : 1.0;
  if (Space.Scale == RewardScale::O3 || Space.Scale == RewardScale::Oz) {
    Baseline Level =
        Space.Scale == RewardScale::O3 ? Baseline::O3 : Baseline::Oz;
    auto BaselineCost = baselineCost(Space.Cost, Level, B, Measurement);
    if (!BaselineCost)
      return BaselineCost.takeError();
    double Gain = *InitialCost - *BaselineCost;
    double Floor = kMinimumBaselineGain * *InitialCost;
    // Counts are integers: a floor below one unit would let a single
    // instruction dominate.
    if (Space.Cost != CostFunction::Runtime)
      Floor = std::max(Floor, 1.0);
    Floored = Gain < Floor;
    Denominator = std::max(Gain, Floor);
  }
  return RewardTracker(Space.Cost, *InitialCost, Denominator, Floored);
}

llvm::Expected<double> RewardTracker::step(const llvm::Module &Current,
                                           const Benchmark &B, bool Changed,
                                           MeasurementContext &Measurement) {
  if (!Changed)
    return 0.0;
  auto Cost = computeCost(this->Cost, Current, B, Measurement);
  if (!Cost)
    return Cost.takeError();
  return stepTo(*Cost);
}

double RewardTracker::stepTo(double Cost) {
  double Reward = (Previous - Cost) / Scale;
  Previous = Cost;
  return Reward;
}

} // namespace passgym
