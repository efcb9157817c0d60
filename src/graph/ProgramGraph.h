//===- graph/ProgramGraph.h - A ProGraML program graph ----------*- C++ -*-===//
//
// The program graph of Cummins et al. (ProGraML, ICML 2021), independent of
// the IR it was built from: typed nodes (instructions, variables, constants,
// types), typed and positioned edges (control, data, call, type), and the
// functions and module they belong to. See docs/programl.md.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_GRAPH_PROGRAMGRAPH_H
#define PASSGYM_GRAPH_PROGRAMGRAPH_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace passgym::graph {

/// Values are ProGraML's (programl/proto/program_graph.proto), which the JSON
/// export writes as integers.
enum class NodeType : int {
  Instruction = 0,
  Variable = 1,
  Constant = 2,
  Type = 3
};
enum class EdgeFlow : int { Control = 0, Data = 1, Call = 2, Type = 3 };

llvm::StringRef nodeTypeName(NodeType T);
llvm::StringRef edgeFlowName(EdgeFlow F);

struct Node {
  NodeType Type = NodeType::Instruction;
  /// The normalized text a model embeds: an opcode, `var`, `val`, or a type.
  std::string Text;
  /// The IR the node stands for, as LLVM prints it.
  std::string FullText;
  /// Index into ProgramGraph::Functions; none for the root, constants and
  /// types, which are shared by the whole module.
  std::optional<uint32_t> Function;
  /// Index of the basic block in the module (counted across functions) for
  /// instructions and the variables they define; none otherwise.
  std::optional<uint32_t> Block;

  bool operator==(const Node &) const = default;
};

struct Edge {
  EdgeFlow Flow = EdgeFlow::Control;
  uint32_t Source = 0;
  uint32_t Target = 0;
  /// Successor index (control), operand index (data), member index (type),
  /// or 0.
  int32_t Position = 0;

  bool operator==(const Edge &) const = default;
  auto key() const {
    return std::make_tuple(static_cast<int>(Flow), Source, Target, Position);
  }
  bool operator<(const Edge &O) const { return key() < O.key(); }
};

struct Function {
  std::string Name;
  /// The node control enters the function at: the first instruction of the
  /// entry block, or the stand-in node of a declaration.
  uint32_t Entry = 0;

  bool operator==(const Function &) const = default;
};

struct Module {
  std::string Name;
  std::string TargetTriple;
  std::string DataLayout;

  bool operator==(const Module &) const = default;
};

struct ProgramGraph {
  /// Node 0 is the root (`[external]`) when the graph comes from
  /// buildProgramGraph().
  std::vector<Node> Nodes;
  /// Sorted by (flow, source, target, position); see sortEdges().
  std::vector<Edge> Edges;
  std::vector<Function> Functions;
  Module Mod;

  uint32_t addNode(NodeType Type, std::string Text, std::string FullText,
                   std::optional<uint32_t> Function = std::nullopt,
                   std::optional<uint32_t> Block = std::nullopt);
  void addEdge(EdgeFlow Flow, uint32_t Source, uint32_t Target,
               int32_t Position = 0);
  /// Puts the edges in their canonical order, so that two graphs with the
  /// same edges compare and print equal however they were built.
  void sortEdges();

  /// Checks the invariants every ProGraML graph keeps: edges join existing
  /// nodes of the kinds their flow allows; control edges stay within one
  /// function; every function has an entry instruction of its own; every
  /// node has an edge, except the root of an empty module and an instruction
  /// alone in a block unreachable from its function's entry.
  llvm::Error check() const;

  bool operator==(const ProgramGraph &) const = default;
};

} // namespace passgym::graph

#endif
