//===- graph/GraphExport.cpp - Program graphs as JSON and DOT -------------===//
#include "graph/GraphExport.h"

#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <map>
#include <utility>

namespace passgym::graph {
namespace {

using nlohmann::json;

/// ProGraML stores features as lists, even for a single value.
json feature(const std::string &Value) { return json::array({Value}); }

json graphDict(const ProgramGraph &G) {
  json Functions = json::array();
  for (const Function &F : G.Functions)
    Functions.push_back({{"name", F.Name}, {"module", 0}, {"entry", F.Entry}});
  json Module = {{"name", G.Mod.Name},
                 {"features",
                  {{"llvm_target_triple", feature(G.Mod.TargetTriple)},
                   {"llvm_data_layout", feature(G.Mod.DataLayout)}}}};
  return {{"function", std::move(Functions)},
          {"module", json::array({std::move(Module)})}};
}

json nodeList(const ProgramGraph &G) {
  json Nodes = json::array();
  for (size_t I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    json Dict = {{"id", I},
                 {"type", static_cast<int>(N.Type)},
                 {"text", N.Text},
                 {"features", {{"full_text", feature(N.FullText)}}}};
    // ProGraML writes 0 for "no function", which is also the first
    // function; leaving the key out keeps the two apart.
    if (N.Function)
      Dict["function"] = *N.Function;
    if (N.Block)
      Dict["block"] = *N.Block;
    Nodes.push_back(std::move(Dict));
  }
  return Nodes;
}

json linkList(const ProgramGraph &G) {
  json Links = json::array();
  // networkx tells parallel edges of a multigraph apart by key, so each edge
  // gets the number of edges between the same two nodes before it.
  std::map<std::pair<uint32_t, uint32_t>, int> Parallel;
  for (const Edge &E : G.Edges)
    Links.push_back({{"source", E.Source},
                     {"target", E.Target},
                     {"key", Parallel[{E.Source, E.Target}]++},
                     {"flow", static_cast<int>(E.Flow)},
                     {"position", E.Position}});
  return Links;
}

std::string dotQuoted(llvm::StringRef Text) {
  std::string Out = "\"";
  for (char C : Text) {
    if (C == '"' || C == '\\')
      Out += '\\';
    if (C == '\n') {
      Out += "\\n";
      continue;
    }
    Out += C;
  }
  return Out + "\"";
}

/// ProGraML's colours for the first three kinds; types are grey.
llvm::StringRef nodeStyle(NodeType T) {
  switch (T) {
  case NodeType::Instruction:
    return "shape=box, style=filled, fillcolor=\"#3c78d8\", "
           "fontcolor=\"#ffffff\"";
  case NodeType::Variable:
    return "shape=ellipse, style=filled, fillcolor=\"#f4cccc\", "
           "color=\"#990000\", fontcolor=\"#990000\"";
  case NodeType::Constant:
    return "shape=diamond, style=filled, fillcolor=\"#e99c9c\", "
           "color=\"#990000\", fontcolor=\"#990000\"";
  case NodeType::Type:
    return "shape=octagon, style=filled, fillcolor=\"#e0e0e0\", "
           "color=\"#555555\", fontcolor=\"#555555\"";
  }
  return "";
}

llvm::StringRef edgeColor(EdgeFlow F) {
  switch (F) {
  case EdgeFlow::Control:
    return "#345393";
  case EdgeFlow::Data:
    return "#990000";
  case EdgeFlow::Call:
    return "#65ae4d";
  case EdgeFlow::Type:
    return "#888888";
  }
  return "#000000";
}

void printDotNode(llvm::raw_ostream &OS, const ProgramGraph &G, size_t I,
                  llvm::StringRef Indent) {
  const Node &N = G.Nodes[I];
  OS << Indent << "n" << I << " [label=" << dotQuoted(N.Text) << ", "
     << nodeStyle(N.Type) << "];\n";
}

} // namespace

std::string toProgramlJson(const ProgramGraph &G) {
  json Dict = {{"directed", true},
               {"multigraph", true},
               {"graph", graphDict(G)},
               {"nodes", nodeList(G)},
               {"links", linkList(G)}};
  // LLVM escapes unprintable bytes in what it prints, so replacing invalid
  // UTF-8 is a safety net rather than a loss.
  return Dict.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string toGraphviz(const ProgramGraph &G) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << "digraph main {\n"
     << "  margin=0; nodesep=0.4; ranksep=0.4; fontname=\"Inconsolata\";\n"
     << "  node [fontname=\"Inconsolata\", penwidth=2, margin=0];\n"
     << "  edge [fontname=\"Inconsolata\", penwidth=2, arrowsize=0.8];\n";

  // Nodes without a function (root, constants, types) sit outside the
  // clusters; the others go into their function's cluster.
  std::vector<std::vector<size_t>> ByFunction(G.Functions.size());
  for (size_t I = 0; I < G.Nodes.size(); ++I) {
    if (G.Nodes[I].Function)
      ByFunction[*G.Nodes[I].Function].push_back(I);
    else
      printDotNode(OS, G, I, "  ");
  }
  for (size_t F = 0; F < G.Functions.size(); ++F) {
    OS << "  subgraph cluster_" << F << " {\n"
       << "    label=" << dotQuoted(G.Functions[F].Name)
       << "; style=dotted; margin=10;\n";
    for (size_t I : ByFunction[F])
      printDotNode(OS, G, I, "    ");
    OS << "  }\n";
  }

  for (const Edge &E : G.Edges) {
    OS << "  n" << E.Source << " -> n" << E.Target << " [color=\""
       << edgeColor(E.Flow) << "\"";
    if (E.Flow == EdgeFlow::Type)
      OS << ", style=dashed";
    // As in ProGraML, a data position sits by the consuming instruction,
    // other positions by the source.
    if (E.Position)
      OS << ", " << (E.Flow == EdgeFlow::Data ? "headlabel" : "taillabel")
         << "=\"" << E.Position << "\", labelfontcolor=\"" << edgeColor(E.Flow)
         << "\"";
    OS << "];\n";
  }
  OS << "}\n";
  return Text;
}

} // namespace passgym::graph
