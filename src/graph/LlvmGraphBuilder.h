//===- graph/LlvmGraphBuilder.h - ProGraML graphs of LLVM modules -*- C++
//-*-===//
//
// Builds the ProGraML program graph of an LLVM module following ProGraML's
// LLVM builder (programl/ir/llvm/internal/program_graph_builder.cc, the
// version with type nodes); docs/programl.md lists the rules and where we
// depart from them.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_GRAPH_LLVMGRAPHBUILDER_H
#define PASSGYM_GRAPH_LLVMGRAPHBUILDER_H

#include "graph/ProgramGraph.h"

#include "llvm/Support/Error.h"

namespace llvm {
class Module;
} // namespace llvm

namespace passgym::graph {

/// The program graph of \p M. Nodes are numbered in module order (root, then
/// every function's instructions, then variables, constants and types in
/// order of first use) and edges are sorted, so the same module gives the
/// same graph in every run and process. Fails on an operand kind the
/// builder does not know, like ProGraML's.
llvm::Expected<ProgramGraph> buildProgramGraph(const llvm::Module &M);

} // namespace passgym::graph

#endif
