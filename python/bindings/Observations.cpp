//===- python/bindings/Observations.cpp - Observations as Python values ---===//
#include "Bindings.h"

#include <pybind11/numpy.h>

#include <cstdint>
#include <string>
#include <vector>

namespace passgym::python {
namespace {

using namespace pybind11::literals;

/// A C-ordered numpy array of \p Shape over \p Values, which it takes over:
/// the array's memory is the container's, freed with the array, so nothing
/// is copied.
template <typename Container>
py::array adopt(Container Values, py::dtype Type,
                std::vector<py::ssize_t> Shape) {
  auto *Owned = new Container(std::move(Values));
  py::capsule Free(Owned, [](void *P) { delete static_cast<Container *>(P); });
  return py::array(Type, std::move(Shape), Owned->data(), Free);
}

py::array int64Array(std::vector<int64_t> Values) {
  py::ssize_t Size = Values.size();
  return adopt(std::move(Values), py::dtype::of<int64_t>(), {Size});
}

/// A numpy array of Python strings (dtype object): what np.unique and a
/// vocabulary lookup take, element by element.
py::array textArray(const std::vector<const std::string *> &Texts) {
  py::list List(Texts.size());
  for (size_t I = 0; I < Texts.size(); ++I)
    List[I] = py::str(*Texts[I]);
  return py::module_::import("numpy").attr("array")(List, "dtype"_a = "object");
}

/// The graph as arrays ready for torch.from_numpy: one entry per node, one per
/// edge (edge_index is 2 x edges, sources then targets, as PyTorch Geometric
/// takes it), one per function; -1 where a node has no function or block.
py::dict graphToPython(const graph::ProgramGraph &G) {
  size_t Nodes = G.Nodes.size(), Edges = G.Edges.size();
  std::vector<int64_t> NodeType(Nodes), NodeFunction(Nodes), NodeBlock(Nodes);
  std::vector<const std::string *> Text(Nodes), FullText(Nodes);
  for (size_t I = 0; I < Nodes; ++I) {
    const graph::Node &N = G.Nodes[I];
    NodeType[I] = static_cast<int64_t>(N.Type);
    NodeFunction[I] = N.Function ? int64_t(*N.Function) : -1;
    NodeBlock[I] = N.Block ? int64_t(*N.Block) : -1;
    Text[I] = &N.Text;
    FullText[I] = &N.FullText;
  }
  std::vector<int64_t> EdgeIndex(2 * Edges), Flow(Edges), Position(Edges);
  for (size_t I = 0; I < Edges; ++I) {
    const graph::Edge &E = G.Edges[I];
    EdgeIndex[I] = E.Source;
    EdgeIndex[Edges + I] = E.Target;
    Flow[I] = static_cast<int64_t>(E.Flow);
    Position[I] = E.Position;
  }
  std::vector<int64_t> Entry;
  std::vector<const std::string *> FunctionName;
  for (const graph::Function &F : G.Functions) {
    Entry.push_back(F.Entry);
    FunctionName.push_back(&F.Name);
  }
  py::dict D;
  D["node_type"] = int64Array(std::move(NodeType));
  D["node_text"] = textArray(Text);
  D["node_full_text"] = textArray(FullText);
  D["node_function"] = int64Array(std::move(NodeFunction));
  D["node_block"] = int64Array(std::move(NodeBlock));
  D["edge_index"] =
      adopt(std::move(EdgeIndex), py::dtype::of<int64_t>(), {2, py::ssize_t(Edges)});
  D["edge_flow"] = int64Array(std::move(Flow));
  D["edge_position"] = int64Array(std::move(Position));
  D["function_name"] = textArray(FunctionName);
  D["function_entry"] = int64Array(std::move(Entry));
  D["module_name"] = G.Mod.Name;
  D["target_triple"] = G.Mod.TargetTriple;
  D["data_layout"] = G.Mod.DataLayout;
  return D;
}

struct Converter {
  ObservationKind Kind;

  py::object operator()(int64_t V) const { return py::int_(V); }
  py::object operator()(double V) const { return py::float_(V); }
  py::object operator()(std::string &V) const {
    if (Kind != ObservationKind::Binary)
      return py::str(V);
    py::ssize_t Size = V.size();
    return adopt(std::move(V), py::dtype::of<uint8_t>(), {Size});
  }
  py::object operator()(std::vector<int64_t> &V) const {
    return int64Array(std::move(V));
  }
  py::object operator()(const graph::ProgramGraph &G) const {
    return graphToPython(G);
  }
};

} // namespace

py::object toPython(Observation O, ObservationKind Kind) {
  return std::visit(Converter{Kind}, O);
}

} // namespace passgym::python
