//===- graph/ProgramGraph.cpp - A ProGraML program graph ------------------===//
#include "graph/ProgramGraph.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>

namespace passgym::graph {
namespace {

bool isData(NodeType T) {
  return T == NodeType::Variable || T == NodeType::Constant;
}

llvm::Error fail(const llvm::Twine &Message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Message);
}

std::string describe(const ProgramGraph &G, uint32_t Id) {
  const Node &N = G.Nodes[Id];
  return (llvm::Twine("node ") + llvm::Twine(Id) + " (" + nodeTypeName(N.Type) +
          " `" + N.Text + "`)")
      .str();
}

/// The kinds of node an edge of \p Flow may join, as ProGraML's builder
/// enforces them when adding edges.
bool endpointsAllowed(EdgeFlow Flow, NodeType Source, NodeType Target) {
  switch (Flow) {
  case EdgeFlow::Control:
  case EdgeFlow::Call:
    return Source == NodeType::Instruction && Target == NodeType::Instruction;
  case EdgeFlow::Data:
    return (isData(Source) && isData(Target)) ||
           (isData(Source) && Target == NodeType::Instruction) ||
           (Source == NodeType::Instruction && isData(Target));
  case EdgeFlow::Type:
    return Source == NodeType::Type &&
           (isData(Target) || Target == NodeType::Type);
  }
  return false;
}

} // namespace

llvm::StringRef nodeTypeName(NodeType T) {
  switch (T) {
  case NodeType::Instruction:
    return "instruction";
  case NodeType::Variable:
    return "variable";
  case NodeType::Constant:
    return "constant";
  case NodeType::Type:
    return "type";
  }
  return "unknown";
}

llvm::StringRef edgeFlowName(EdgeFlow F) {
  switch (F) {
  case EdgeFlow::Control:
    return "control";
  case EdgeFlow::Data:
    return "data";
  case EdgeFlow::Call:
    return "call";
  case EdgeFlow::Type:
    return "type";
  }
  return "unknown";
}

uint32_t ProgramGraph::addNode(NodeType Type, std::string Text,
                               std::string FullText,
                               std::optional<uint32_t> Function,
                               std::optional<uint32_t> Block) {
  Nodes.push_back(
      {Type, std::move(Text), std::move(FullText), Function, Block});
  return static_cast<uint32_t>(Nodes.size() - 1);
}

void ProgramGraph::addEdge(EdgeFlow Flow, uint32_t Source, uint32_t Target,
                           int32_t Position) {
  Edges.push_back({Flow, Source, Target, Position});
}

void ProgramGraph::sortEdges() { std::sort(Edges.begin(), Edges.end()); }

llvm::Error ProgramGraph::check() const {
  const size_t NumNodes = Nodes.size();
  for (size_t I = 0; I < NumNodes; ++I)
    if (Nodes[I].Function && *Nodes[I].Function >= Functions.size())
      return fail("node " + llvm::Twine(I) + " names function " +
                  llvm::Twine(*Nodes[I].Function) + " of " +
                  llvm::Twine(Functions.size()));

  std::vector<bool> Connected(NumNodes, false);
  for (const Edge &E : Edges) {
    if (E.Source >= NumNodes || E.Target >= NumNodes)
      return fail(llvm::Twine(edgeFlowName(E.Flow)) + " edge " +
                  llvm::Twine(E.Source) + " -> " + llvm::Twine(E.Target) +
                  " leaves the " + llvm::Twine(NumNodes) + " nodes");
    const Node &S = Nodes[E.Source];
    const Node &T = Nodes[E.Target];
    if (!endpointsAllowed(E.Flow, S.Type, T.Type))
      return fail(llvm::Twine(edgeFlowName(E.Flow)) + " edge cannot join " +
                  describe(*this, E.Source) + " to " +
                  describe(*this, E.Target));
    // ProGraML models control flow between functions only by call edges.
    if (E.Flow == EdgeFlow::Control &&
        (!S.Function || !T.Function || *S.Function != *T.Function))
      return fail(
          "control edge crosses functions: " + describe(*this, E.Source) +
          " to " + describe(*this, E.Target));
    Connected[E.Source] = true;
    Connected[E.Target] = true;
  }

  for (size_t I = 0; I < Functions.size(); ++I) {
    const Function &F = Functions[I];
    if (F.Entry >= NumNodes)
      return fail("function `" + F.Name + "` has no entry node");
    const Node &Entry = Nodes[F.Entry];
    if (Entry.Type != NodeType::Instruction || Entry.Function != I)
      return fail("the entry of function `" + F.Name + "` is " +
                  describe(*this, F.Entry) + ", not one of its instructions");
  }

  for (size_t I = 0; I < NumNodes; ++I) {
    // An empty module's root may stand alone, and so may the instruction of
    // a one-instruction block nothing branches to: valid IR that ProGraML
    // refuses, but that an observation must still describe.
    if (Connected[I] || (I == 0 && Functions.empty()) ||
        (Nodes[I].Type == NodeType::Instruction && Nodes[I].Function))
      continue;
    return fail(describe(*this, static_cast<uint32_t>(I)) + " has no edges");
  }
  return llvm::Error::success();
}

} // namespace passgym::graph
