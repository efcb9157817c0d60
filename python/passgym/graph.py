"""ProGraML graphs (the ``Programl`` observation) for learning code:
vocabulary ids for node texts, and networkx graphs."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from ._passgym import EDGE_FLOWS, NODE_TYPES


class Vocabulary:
    """Node texts numbered from 1, most frequent first; 0 is every text the
    vocabulary does not know. A model's embedding rows mean nothing without
    the vocabulary that numbered them: keep ``texts`` beside the model."""

    UNKNOWN = 0

    def __init__(self, texts: Sequence[str]):
        self.texts = list(texts)
        self._ids = {text: i + 1 for i, text in enumerate(self.texts)}

    @classmethod
    def build(cls, graphs: Iterable[dict]) -> "Vocabulary":
        """Numbers the node texts of ``graphs``, most frequent first, ties by
        text, so the same graphs give the same ids in any order."""
        counts: Counter = Counter()
        for graph in graphs:
            counts.update(graph["node_text"])
        return cls(sorted(counts, key=lambda text: (-counts[text], text)))

    def ids(self, graph: dict) -> np.ndarray:
        """The id of each node's text, as int64: an embedding's input."""
        get = self._ids.get
        return np.fromiter(
            (get(text, self.UNKNOWN) for text in graph["node_text"]),
            dtype=np.int64,
            count=len(graph["node_text"]),
        )

    def __len__(self) -> int:
        """Rows of an embedding indexed by these ids, unknown included."""
        return len(self.texts) + 1


def to_networkx(graph: dict):
    """The graph as a networkx.MultiDiGraph: nodes carry ``type``, ``text``,
    ``full_text``, ``function`` and ``block`` (None where the node has none),
    edges ``flow`` and ``position``. Needs networkx (python3-networkx)."""
    try:
        import networkx
    except ImportError as e:
        raise ImportError("to_networkx needs networkx: apt-get install python3-networkx") from e
    g = networkx.MultiDiGraph(
        name=graph["module_name"],
        target_triple=graph["target_triple"],
        data_layout=graph["data_layout"],
    )
    for i, (type_, text, full, function, block) in enumerate(
        zip(
            graph["node_type"],
            graph["node_text"],
            graph["node_full_text"],
            graph["node_function"],
            graph["node_block"],
        )
    ):
        g.add_node(
            i,
            type=NODE_TYPES[type_],
            text=text,
            full_text=full,
            function=None if function < 0 else int(function),
            block=None if block < 0 else int(block),
        )
    sources, targets = graph["edge_index"]
    for source, target, flow, position in zip(
        sources, targets, graph["edge_flow"], graph["edge_position"]
    ):
        g.add_edge(int(source), int(target), flow=EDGE_FLOWS[flow], position=int(position))
    return g
