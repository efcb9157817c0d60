"""The ProGraML observation as arrays and as networkx, and the datasets."""

import networkx
import numpy as np
import pytest

import passgym
from conftest import CRC32, TEST_DATA


@pytest.fixture(scope="module")
def graph():
    with passgym.make("llvm-v0", benchmark=CRC32, observation_space="Programl") as env:
        observation, _ = env.reset()
        assert observation in env.observation_space
        return observation


def test_programl_graph_arrays_agree_with_each_other(graph):
    nodes = len(graph["node_type"])
    edges = graph["edge_index"].shape[1]
    assert graph["edge_index"].shape == (2, edges) and graph["edge_index"].dtype == np.int64
    assert graph["edge_index"].min() >= 0 and graph["edge_index"].max() < nodes
    assert len(graph["edge_flow"]) == len(graph["edge_position"]) == edges
    assert len(graph["node_text"]) == len(graph["node_function"]) == nodes
    assert graph["node_text"][0] == "[external]"
    # crc32 defines functions, each entered at an instruction node.
    assert len(graph["function_name"]) == len(graph["function_entry"]) > 1
    assert all(graph["node_type"][graph["function_entry"]] == passgym.graph.NODE_TYPES.index("instruction"))
    # Every flow appears in a real program.
    assert set(graph["edge_flow"]) == set(range(len(passgym.graph.EDGE_FLOWS)))


def test_to_networkx_keeps_every_node_edge_and_attribute(graph):
    g = passgym.to_networkx(graph)
    assert isinstance(g, networkx.MultiDiGraph)
    assert g.number_of_nodes() == len(graph["node_type"])
    assert g.number_of_edges() == graph["edge_index"].shape[1]
    source, target = graph["edge_index"][:, 0]
    assert g.has_edge(source, target)
    assert g.nodes[0]["text"] == "[external]" and g.nodes[0]["function"] is None
    assert {d["flow"] for _, _, d in g.edges(data=True)} == set(passgym.graph.EDGE_FLOWS)


def test_vocabulary_numbers_texts_by_frequency_and_unknowns_as_zero(graph):
    vocabulary = passgym.Vocabulary.build([graph])
    ids = vocabulary.ids(graph)
    assert ids.dtype == np.int64 and len(ids) == len(graph["node_text"])
    assert ids.min() == 1 and len(vocabulary) == ids.max() + 1
    texts, counts = np.unique(graph["node_text"].astype(str), return_counts=True)
    assert vocabulary.texts[0] == texts[np.argmax(counts)]
    assert passgym.Vocabulary(["add"]).ids(graph).max() <= 1
    assert (passgym.Vocabulary([]).ids(graph) == 0).all()


def test_datasets_list_the_builtins_and_the_generators():
    found = {d.name: d for d in passgym.datasets()}
    builtins = found["builtin-v0"]
    assert len(builtins) == builtins.size == 26 and builtins.runnable
    assert builtins.uri("qsort") == "benchmark://builtin-v0/qsort"
    assert next(iter(builtins)).uri == next(builtins.benchmark_uris())
    csmith = found["csmith-v0"]
    assert csmith.size is None and csmith.runnable
    with pytest.raises(TypeError):
        len(csmith)
    assert csmith.uri(7) == "generator://csmith-v0/7"
    assert found["llvm-stress-v0"].runnable is False
    assert found["linked-builtins-v0"].size == 26
    assert found["linked-builtins-v0"].uri(1) == "generator://linked-builtins-v0/1"
    with pytest.raises(passgym.Error):
        builtins.uri("no-such-program")


def test_dataset_specs_and_manifests():
    test_split = passgym.dataset("builtin-v0:test")
    assert 0 < len(test_split) < 26
    assert passgym.dataset("csmith-v0:3-5").benchmark_uris().__next__() == "generator://csmith-v0/3"
    manifest = passgym.dataset(f"manifest:{TEST_DATA / 'manifest'}")
    assert manifest.name == "manifest-test" and manifest.problems == []
    assert [u.rsplit("#", 1)[1] for u in manifest.benchmark_uris()] == ["sum", "wordfreq"]
    benchmark = manifest.benchmark("sum")
    assert benchmark.runnable


def test_an_environment_draws_its_benchmarks_from_a_dataset():
    split = passgym.dataset("builtin-v0:test")
    env = passgym.make("llvm-v0", benchmark=split, observation_space=None)
    drawn = {env.reset(seed=seed)[1]["benchmark"] for seed in range(6)}
    assert drawn <= set(split.benchmark_uris()) and len(drawn) > 1
    csmith = passgym.make("llvm-v0", benchmark=passgym.dataset("csmith-v0"), observation_space=None)
    assert csmith.reset(seed=1)[1]["benchmark"].startswith("generator://csmith-v0/")
