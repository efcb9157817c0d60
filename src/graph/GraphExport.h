//===- graph/GraphExport.h - Program graphs as JSON and DOT -----*- C++ -*-===//
//
// Text forms of a program graph: ProGraML's node-link JSON (what
// programl.to_json writes and networkx.node_link_graph reads) and a Graphviz
// digraph for looking at small graphs. docs/programl.md shows both.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_GRAPH_GRAPHEXPORT_H
#define PASSGYM_GRAPH_GRAPHEXPORT_H

#include "graph/ProgramGraph.h"

#include <string>

namespace passgym::graph {

/// One line of JSON: {"directed", "multigraph", "graph", "nodes", "links"},
/// keys sorted, so equal graphs give equal text.
std::string toProgramlJson(const ProgramGraph &G);

/// A DOT digraph with one cluster per function; nodes are `n<id>` labelled
/// with their text, shaped and coloured by type, and edges coloured by flow.
std::string toGraphviz(const ProgramGraph &G);

} // namespace passgym::graph

#endif
