//===- python/bindings/Catalog.cpp - Spaces, benchmarks and datasets ------===//
#include "Bindings.h"

#include "actions/ActionSpace.h"
#include "actions/PassRunner.h"
#include "datasets/Benchmark.h"
#include "datasets/DatasetSpec.h"
#include "datasets/Generators.h"
#include "datasets/Manifest.h"
#include "rewards/Reward.h"

#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/MemoryBuffer.h"

#include <dlfcn.h>

#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

namespace passgym::python {
namespace {

using namespace pybind11::literals;

// pybind11 cannot hold std::shared_ptr<const T>; the library shares action
// spaces and benchmarks as const, so the binding holds them as non-const and
// binds no method that changes them.
template <typename T> std::shared_ptr<T> held(std::shared_ptr<const T> P) {
  return std::const_pointer_cast<T>(std::move(P));
}

/// Makes libLLVM's symbols visible to libraries loaded later. Pass plugins
/// are not linked with LLVM: they use the LLVM of the program that loads them
/// (opt's, passgym's). Python loads extension modules, and the libraries
/// they need, with RTLD_LOCAL, which hides LLVM from a plugin; reopening
/// libLLVM with RTLD_GLOBAL shows it, as an executable linked with it would.
void exposeLlvmToPlugins() {
  Dl_info Info;
  if (dladdr(reinterpret_cast<void *>(&llvm::PassPlugin::Load), &Info) &&
      Info.dli_fname)
    dlopen(Info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
}

void bindActionSpace(py::module_ &M) {
  py::class_<ActionSpace, std::shared_ptr<ActionSpace>>(
      M, "ActionSpace", "A list of actions, each an `opt -passes=` text.")
      .def_static(
          "load",
          [](const std::string &Path) {
            return held(unwrap(ActionSpace::load(Path)));
          },
          "path"_a = "",
          "The built-in space (CompilerGym's actions in LLVM 19) for an empty "
          "path, another built-in space for `builtin:NAME` (O3-pieces, "
          "Oz-pieces), else the actions file at path: one `PIPELINE` or "
          "`NAME PIPELINE` per line, '#' comments; every pipeline is "
          "checked.")
      .def_property_readonly("name", &ActionSpace::name)
      .def("__len__", &ActionSpace::size)
      .def_property_readonly(
          "names",
          [](const ActionSpace &S) {
            std::vector<std::string> Names;
            for (const Action &A : S.actions())
              Names.push_back(A.Name);
            return Names;
          },
          "Each action's name, by index.")
      .def_property_readonly(
          "pipelines",
          [](const ActionSpace &S) {
            std::vector<std::string> Pipelines;
            for (const Action &A : S.actions())
              Pipelines.push_back(A.Pipeline);
            return Pipelines;
          },
          "Each action's `opt -passes=` text, by index.")
      .def(
          "find",
          [](const ActionSpace &S, const std::string &NameOrPipeline) {
            return S.find(NameOrPipeline);
          },
          "name_or_pipeline"_a,
           "The index of the action with this name (or, failing that, this "
           "pipeline text); None if there is none.");
  M.def(
      "load_pass_plugin",
      [](const std::string &Path) {
        exposeLlvmToPlugins();
        check(addPassPlugin(Path));
      },
      "path"_a,
      "Loads an LLVM pass plugin (as opt's -load-pass-plugin), so that "
      "actions files can name its passes; it stays loaded.");
}

/// (name, description, kind, feature names) of \p S.
py::tuple describe(const ObservationSpace &S) {
  return py::make_tuple(S.Name, S.Description, observationKindName(S.Kind).str(),
                        std::vector<std::string>(S.FeatureNames.begin(),
                                                 S.FeatureNames.end()));
}

void bindSpaces(py::module_ &M) {
  M.def(
      "observation_spaces",
      [] {
        py::list Spaces;
        for (const ObservationSpace &S : observationSpaces())
          Spaces.append(describe(S));
        return Spaces;
      },
      "Every observation space as (name, description, kind, feature names).");
  M.def(
      "observation_space",
      [](const std::string &Name) {
        return describe(unwrap(findObservationSpace(Name)));
      },
      "name"_a,
      "The observation space called name as (name, description, kind, "
      "feature names).");
  M.def(
      "reward_spaces",
      [] {
        std::vector<std::pair<std::string, std::string>> Spaces;
        for (const RewardSpace &S : rewardSpaces())
          Spaces.emplace_back(S.Name, costName(S.Cost).str());
        return Spaces;
      },
      "Every reward space as (name, the cost it reduces).");
  // The names of a graph observation's node_type and edge_flow values, by
  // value.
  py::tuple NodeTypes(int(graph::NodeType::Type) + 1);
  for (size_t V = 0; V < NodeTypes.size(); ++V)
    NodeTypes[V] = graph::nodeTypeName(graph::NodeType(V)).str();
  py::tuple EdgeFlows(int(graph::EdgeFlow::Type) + 1);
  for (size_t V = 0; V < EdgeFlows.size(); ++V)
    EdgeFlows[V] = graph::edgeFlowName(graph::EdgeFlow(V)).str();
  M.attr("NODE_TYPES") = NodeTypes;
  M.attr("EDGE_FLOWS") = EdgeFlows;
}

void bindBenchmarks(py::module_ &M) {
  py::class_<Benchmark, std::shared_ptr<Benchmark>>(
      M, "Benchmark", "A program to optimize: its unoptimized LLVM module.")
      .def_property_readonly("uri", &Benchmark::uri)
      .def_property_readonly(
          "runnable", [](const Benchmark &B) { return B.runSpec().has_value(); },
          "Whether the program can be run: run-time rewards and "
          "observations, and validate(), need it.")
      .def_property_readonly(
          "bitcode",
          [](const Benchmark &B) {
            return py::bytes(B.bitcode().getBufferStart(),
                             B.bitcode().getBufferSize());
          },
          "The unoptimized module as bitcode.")
      .def("__repr__", [](const Benchmark &B) {
        return "<passgym.Benchmark " + B.uri() + ">";
      });
  M.attr("DEFAULT_BENCHMARK") = kDefaultBenchmark.str();
  M.def(
      "load_benchmark",
      [](const std::string &Uri) {
        py::gil_scoped_release Release;
        return held(unwrap(loadBenchmark(Uri)));
      },
      "uri"_a,
      "Loads the benchmark a URI names (benchmark://builtin-v0/NAME, "
      "generator://csmith-v0/SEED, file://PATH or a path to a .c/.cc/.cpp, "
      ".ll or .bc file, manifest:PATH#NAME); sources are compiled.");
  M.def(
      "make_benchmark",
      [](const std::string &Uri, const py::bytes &Contents) {
        std::string Data = Contents;
        py::gil_scoped_release Release;
        return held(unwrap(makeBenchmark(
            Uri, llvm::MemoryBuffer::getMemBufferCopy(Data, Uri))));
      },
      "uri"_a, "contents"_a,
      "A benchmark called uri from IR text or bitcode, which must parse and "
      "verify.");
}

void bindDatasets(py::module_ &M) {
  M.def(
      "builtin_benchmark_uris", [] { return unwrap(builtinBenchmarkUris()); },
      "The URIs of the built-in programs, by name.");
  M.def(
      "generators",
      [] {
        std::vector<std::tuple<std::string, std::string, bool>> Result;
        for (const GeneratorInfo &G : generators())
          Result.emplace_back(G.Dataset, G.UriForm, G.Runnable);
        return Result;
      },
      "The generated datasets as (name, URI form, runnable).");
  M.def(
      "expand_dataset",
      [](const std::string &Spec) {
        py::gil_scoped_release Release;
        return unwrap(expandDataset(Spec));
      },
      "spec"_a,
      "The benchmark URIs a dataset spec names, as `passgym train --dataset` "
      "takes it: builtin-v0, builtin-v0:train, csmith-v0:A-B, manifest:PATH, "
      "or one URI.");
  M.def(
      "read_manifest",
      [](const std::string &Path) {
        Manifest Read = unwrap(readManifest(Path));
        std::vector<std::string> Uris, Problems;
        for (const ManifestEntry &E : Read.Entries)
          Uris.push_back(Read.uriOf(E));
        for (const ManifestProblem &P : Read.Problems)
          Problems.push_back(P.Message);
        return py::dict("name"_a = Read.Name, "path"_a = Read.Path,
                        "uris"_a = Uris, "problems"_a = Problems);
      },
      "path"_a,
      "A manifest (a manifest.json or its directory) as a dict: its name and "
      "path, its usable entries' URIs, and why the other entries cannot be "
      "used.");
}

} // namespace

void bindCatalog(py::module_ &M) {
  bindActionSpace(M);
  bindSpaces(M);
  bindBenchmarks(M);
  bindDatasets(M);
}

} // namespace passgym::python
