//===- observations/Observation.h - What an agent can see -----------------===//
//
// Observation spaces are a registry of small functions of the current module
// (and its benchmark, for baselines), looked up by CompilerGym's names. All are
// computed in-process; see docs/observations.md.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OBSERVATIONS_OBSERVATION_H
#define PASSGYM_OBSERVATIONS_OBSERVATION_H

#include "observations/Cost.h"
#include "support/ModuleHash.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

class Benchmark;

/// A count, a measurement, a text (or bytes, for Bitcode), or a feature
/// vector.
using Observation =
    std::variant<int64_t, double, std::string, std::vector<int64_t>>;

struct ObservationSpace {
  std::string name;
  std::string description;
  std::function<llvm::Expected<Observation>(const llvm::Module &,
                                            const Benchmark &)>
      compute;
  /// Set when the observation is the current value of a cost, so that an
  /// environment whose reward already computed that cost can reuse it.
  std::optional<CostFunction> cost = std::nullopt;
};

/// How a cost value is observed: counts as integers, runtimes as doubles.
Observation costObservationValue(CostFunction Cost, double Value);

/// Every observation space, in a fixed order.
const std::vector<ObservationSpace> &observationSpaces();

/// The space called \p Name, or an error listing the valid names.
llvm::Expected<const ObservationSpace &>
findObservationSpace(llvm::StringRef Name);

} // namespace passgym

#endif
