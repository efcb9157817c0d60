//===- observations/Observation.h - What an agent can see -----------------===//
//
// Observation spaces are a registry of small functions of the current module
// (and its benchmark, for baselines and run times), looked up by CompilerGym's
// names. Each space describes itself: the kind of value it gives, the names of
// a feature vector's elements, and the formats it can be printed in, so that
// the command line, the docs and bindings ask the registry instead of knowing
// names. All are computed in-process; see docs/observations.md.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OBSERVATIONS_OBSERVATION_H
#define PASSGYM_OBSERVATIONS_OBSERVATION_H

#include "costs/Cost.h"
#include "graph/ProgramGraph.h"

#include "llvm/ADT/ArrayRef.h"
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
class MeasurementContext;

/// A count, a measurement, a text (or bytes), a feature vector, or a program
/// graph; ObservationSpace::Kind says which.
using Observation = std::variant<int64_t, double, std::string,
                                 std::vector<int64_t>, graph::ProgramGraph>;

enum class ObservationKind {
  Int,       ///< int64_t
  Double,    ///< double
  Text,      ///< std::string, printable
  Binary,    ///< std::string of bytes, not printable
  IntVector, ///< std::vector<int64_t>, with FeatureNames
  Graph,     ///< graph::ProgramGraph
};

llvm::StringRef observationKindName(ObservationKind Kind);

/// How an observation can be written out.
enum class ObservationFormat {
  Text, ///< one value per line; feature vectors with their names
  Json, ///< a JSON value (a graph: ProGraML's node-link JSON)
  Dot,  ///< Graphviz, for graphs
};

llvm::StringRef formatName(ObservationFormat Format);

using ObservationFunction = std::function<llvm::Expected<Observation>(
    const llvm::Module &, const Benchmark &, MeasurementContext &)>;

struct ObservationSpace {
  std::string Name;
  std::string Description;
  ObservationKind Kind;
  ObservationFunction Compute;
  /// The name of each element of an IntVector, in order; empty otherwise.
  llvm::ArrayRef<std::string> FeatureNames = {};
  /// Set when the observation is the current value of a cost, so that an
  /// environment whose reward already computed that cost can reuse it.
  std::optional<CostFunction> Cost = std::nullopt;

  /// The formats this space can be printed in: none for Binary (write it to
  /// a file instead), Json and Dot for graphs, Text and Json otherwise.
  std::vector<ObservationFormat> formats() const;
  bool supports(ObservationFormat Format) const;
};

/// How a cost value is observed: counts as integers, runtimes as doubles.
Observation costObservationValue(CostFunction Cost, double Value);

/// The space observing \p Cost of the unoptimized module after \p Level
/// (O0, O3 or Oz), e.g. IrInstructionCountOz.
std::string baselineObservationName(CostFunction Cost, Baseline Level);

/// Every observation space, in a fixed order.
const std::vector<ObservationSpace> &observationSpaces();

/// The space called \p Name, or an error listing the valid names.
llvm::Expected<const ObservationSpace &>
findObservationSpace(llvm::StringRef Name);

} // namespace passgym

#endif
