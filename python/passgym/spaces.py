"""Action and observation spaces with gymnasium's interface.

Every space has ``shape``, ``dtype``, ``sample()``, ``contains()`` (and
``x in space``), ``seed()`` and ``np_random``. When gymnasium is installed the
spaces derive from ``gymnasium.spaces.Space``, so gymnasium's wrappers and
checkers accept them; without it they behave the same.
"""

from __future__ import annotations

import string
from typing import Any, Optional, Sequence

import numpy as np

from . import _passgym

try:
    from gymnasium.spaces import Space as _SpaceBase
except ImportError:

    class _SpaceBase:  # type: ignore[no-redef]
        """What passgym's spaces use of gymnasium.spaces.Space."""

        def __init__(self, shape=None, dtype=None, seed=None):
            self._shape = None if shape is None else tuple(shape)
            self.dtype = None if dtype is None else np.dtype(dtype)
            self._np_random = None
            if seed is not None:
                self.seed(seed)

        @property
        def np_random(self) -> np.random.Generator:
            if self._np_random is None:
                self.seed()
            return self._np_random

        @property
        def shape(self):
            return self._shape

        def seed(self, seed: Optional[int] = None) -> list:
            self._np_random = np.random.default_rng(seed)
            return [seed]

        def __contains__(self, x: Any) -> bool:
            return self.contains(x)


class Discrete(_SpaceBase):
    """The integers 0 .. n-1."""

    def __init__(self, n: int, seed: Optional[int] = None):
        super().__init__((), np.int64, seed)
        self.n = int(n)

    def sample(self, mask: Any = None) -> np.int64:
        return np.int64(self.np_random.integers(self.n))

    def contains(self, x: Any) -> bool:
        if isinstance(x, (bool, np.bool_)):
            return False
        if isinstance(x, np.ndarray) and x.shape == ():
            x = x.item()
        return isinstance(x, (int, np.integer)) and 0 <= x < self.n

    def __repr__(self) -> str:
        return f"Discrete({self.n})"


class ActionSpace(Discrete):
    """The environment's actions: indices 0 .. n-1, each naming an
    ``opt -passes=`` text.

    ``names`` and ``pipelines`` give each action's name and pipeline;
    ``index()`` finds an action by either.
    """

    def __init__(self, actions: _passgym.ActionSpace, seed: Optional[int] = None):
        super().__init__(len(actions), seed)
        self.actions = actions
        self.name: str = actions.name
        self.names: list[str] = actions.names
        self.pipelines: list[str] = actions.pipelines

    def index(self, name_or_pipeline: str) -> int:
        """The index of the action with this name or pipeline text."""
        found = self.actions.find(name_or_pipeline)
        if found is None:
            raise _passgym.Error(
                f"unknown action '{name_or_pipeline}' in action space '{self.name}'"
            )
        return found

    def to_string(self, actions: Sequence[int]) -> str:
        """The actions as one ``opt -passes=`` text."""
        return ",".join(self.pipelines[a] for a in actions)

    def __repr__(self) -> str:
        return f"ActionSpace({self.name!r}, n={self.n})"


class Box(_SpaceBase):
    """Numbers or arrays of numbers between ``low`` and ``high``.

    Feature vectors (Autophase, InstCount) are int64 vectors of counts, with
    their elements' names in ``feature_names``; costs (IrInstructionCount,
    Runtime) are scalars (shape ``()``).
    """

    def __init__(
        self,
        low: float,
        high: float,
        shape: Sequence[int],
        dtype: Any,
        name: str = "",
        feature_names: Sequence[str] = (),
        seed: Optional[int] = None,
    ):
        super().__init__(shape, dtype, seed)
        self.low = np.full(self.shape, low, dtype=self.dtype)
        self.high = np.full(self.shape, high, dtype=self.dtype)
        self.name = name
        self.feature_names = list(feature_names)

    def sample(self, mask: Any = None) -> np.ndarray:
        if np.issubdtype(self.dtype, np.integer):
            # Counts rarely leave the millions; sampling up to int64's
            # maximum would give nothing like an observation.
            high = np.minimum(self.high, 1 << 20)
            return self.np_random.integers(
                self.low, high, size=self.shape, dtype=self.dtype, endpoint=True
            )
        return self.np_random.exponential(size=self.shape).astype(self.dtype) + self.low

    def contains(self, x: Any) -> bool:
        value = np.asarray(x)
        if value.shape != self.shape or not np.can_cast(value.dtype, self.dtype):
            return False
        return bool(np.all(value >= self.low) and np.all(value <= self.high))

    def __repr__(self) -> str:
        return f"Box({self.name!r}, shape={self.shape}, dtype={self.dtype})"


class Text(_SpaceBase):
    """Strings: IR text, a hash."""

    def __init__(self, name: str = "", seed: Optional[int] = None):
        super().__init__(None, str, seed)
        self.name = name

    def sample(self, mask: Any = None) -> str:
        length = self.np_random.integers(1, 17)
        return "".join(self.np_random.choice(list(string.printable), size=length))

    def contains(self, x: Any) -> bool:
        return isinstance(x, str)

    def __repr__(self) -> str:
        return f"Text({self.name!r})"


class Bytes(_SpaceBase):
    """Byte strings as one-dimensional uint8 arrays: bitcode."""

    def __init__(self, name: str = "", seed: Optional[int] = None):
        super().__init__((None,), np.uint8, seed)
        self.name = name

    def sample(self, mask: Any = None) -> np.ndarray:
        length = self.np_random.integers(1, 17)
        return self.np_random.integers(0, 256, size=length, dtype=np.uint8)

    def contains(self, x: Any) -> bool:
        return isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == np.uint8

    def __repr__(self) -> str:
        return f"Bytes({self.name!r})"


#: The arrays of a ProGraML observation: (dtype, whether it has one entry per
#: node, per edge or per function).
GRAPH_ARRAYS = {
    "node_type": (np.int64, "node"),
    "node_text": (object, "node"),
    "node_full_text": (object, "node"),
    "node_function": (np.int64, "node"),
    "node_block": (np.int64, "node"),
    "edge_flow": (np.int64, "edge"),
    "edge_position": (np.int64, "edge"),
    "function_name": (object, "function"),
    "function_entry": (np.int64, "function"),
}
GRAPH_TEXTS = ("module_name", "target_triple", "data_layout")


class ProgramGraph(_SpaceBase):
    """ProGraML graphs as dicts of numpy arrays (docs/python.md): node_type,
    node_text, node_full_text, node_function, node_block (one entry per node),
    edge_index (2 x edges), edge_flow, edge_position (one per edge),
    function_name, function_entry (one per function), and the module's
    module_name, target_triple and data_layout."""

    def __init__(self, name: str = "", seed: Optional[int] = None):
        super().__init__(None, None, seed)
        self.name = name

    def sample(self, mask: Any = None) -> dict:
        rng = self.np_random
        nodes, edges = int(rng.integers(1, 9)), int(rng.integers(0, 17))
        texts = np.array(["[external]"] * nodes, dtype=object)
        return {
            "node_type": rng.integers(0, 4, size=nodes),
            "node_text": texts,
            "node_full_text": texts.copy(),
            "node_function": np.full(nodes, -1, dtype=np.int64),
            "node_block": np.full(nodes, -1, dtype=np.int64),
            "edge_index": rng.integers(0, nodes, size=(2, edges)),
            "edge_flow": rng.integers(0, 4, size=edges),
            "edge_position": np.zeros(edges, dtype=np.int64),
            "function_name": np.array([], dtype=object),
            "function_entry": np.array([], dtype=np.int64),
            "module_name": "",
            "target_triple": "",
            "data_layout": "",
        }

    def contains(self, x: Any) -> bool:
        if not isinstance(x, dict) or not all(isinstance(x.get(k), str) for k in GRAPH_TEXTS):
            return False
        index = x.get("edge_index")
        if not isinstance(index, np.ndarray) or index.ndim != 2 or index.shape[0] != 2:
            return False
        sizes = {"edge": index.shape[1]}
        for key, (dtype, per) in GRAPH_ARRAYS.items():
            value = x.get(key)
            if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype != dtype:
                return False
            if sizes.setdefault(per, len(value)) != len(value):
                return False
        return bool(np.all((index >= 0) & (index < sizes["node"])))

    def __repr__(self) -> str:
        return f"ProgramGraph({self.name!r})"


def observation_space(name: str) -> _SpaceBase:
    """The space of the observation space called ``name``."""
    _, _, kind, feature_names = _passgym.observation_space(name)
    if kind == "int vector":
        info = np.iinfo(np.int64)
        return Box(0, info.max, (len(feature_names),), np.int64, name, feature_names)
    if kind == "int":
        return Box(0, np.iinfo(np.int64).max, (), np.int64, name)
    if kind == "float":
        return Box(0, np.inf, (), np.float64, name)
    if kind == "text":
        return Text(name)
    if kind == "bytes":
        return Bytes(name)
    return ProgramGraph(name)
