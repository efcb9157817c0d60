//===- learning/inputs/State.h - What the networks see ----------*- C++ -*-===//
//
// The state a policy sees of the current module is its ProGraML graph, its 56
// Autophase features, or both (as in the seed's agents). An Observation holds
// what the state kind needs, computed from the module; StateBatch.h turns
// observations into tensors. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_INPUTS_STATE_H
#define PASSGYM_LEARNING_INPUTS_STATE_H

#include "graph/ProgramGraph.h"
#include "learning/support/NameTable.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym::learning {

/// Number of node types and edge flows of ProGraML (graph::NodeType,
/// graph::EdgeFlow).
inline constexpr int64_t kNodeTypeCount = 4;
inline constexpr int64_t kEdgeFlowCount = 4;
/// Rows of the position embeddings: positions at or above it share the last
/// row. 32 covers the operands of nearly every instruction and the successors
/// of nearly every switch.
inline constexpr int64_t kDefaultMaxPosition = 32;

struct BatchOptions {
  /// Edge positions are clamped to [0, MaxPosition - 1]; must match the
  /// model's MaxPosition.
  int64_t MaxPosition = kDefaultMaxPosition;
};

enum class StateKind { Graph, Autophase, GraphAndAutophase };

inline constexpr NameTable<StateKind, 3> kStateKindNames{{
    {StateKind::Graph, "graph"},
    {StateKind::Autophase, "autophase"},
    {StateKind::GraphAndAutophase, "graph+autophase"},
}};

inline bool hasGraph(StateKind Kind) { return Kind != StateKind::Autophase; }
inline bool hasAutophase(StateKind Kind) { return Kind != StateKind::Graph; }

/// One module as a state of kind Kind sees it.
struct Observation {
  std::optional<graph::ProgramGraph> Graph; ///< Set iff hasGraph(Kind).
  std::vector<int64_t> Autophase; ///< The raw counts iff hasAutophase(Kind).
};

/// Builds what \p Kind needs of \p M; fails only if the graph cannot be built.
llvm::Expected<Observation> observe(const llvm::Module &M, StateKind Kind);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_INPUTS_STATE_H
