"""passgym: LLVM 19 phase ordering for reinforcement learning, with the
gymnasium API.

    import passgym
    with passgym.make("llvm-v0", benchmark="benchmark://builtin-v0/qsort",
                      observation_space="Autophase",
                      reward_space="IrInstructionCountOz") as env:
        observation, info = env.reset(seed=0)
        observation, reward, terminated, truncated, info = env.step(
            env.action_space.index("sroa"))
        print(env.commandline())

The environment runs LLVM's passes in-process through passgym's C++ library;
see docs/python.md.
"""

from . import _passgym
from ._passgym import (
    Benchmark,
    Error,
    load_benchmark,
    load_pass_plugin,
    make_benchmark,
)
from .datasets import Dataset, dataset, datasets, manifest
from .env import Env, ObservationView, RewardView, ValidationResult, make
from .graph import Vocabulary, to_networkx
from .spaces import ActionSpace, Box, Bytes, Discrete, ProgramGraph, Text


def observation_spaces() -> list[str]:
    """The names of every observation space (docs/observations.md)."""
    return [space[0] for space in _passgym.observation_spaces()]


def reward_spaces() -> list[str]:
    """The names of every reward space (docs/rewards.md)."""
    return [space[0] for space in _passgym.reward_spaces()]


def _register_with_gymnasium() -> None:
    try:
        import gymnasium
    except ImportError:
        return
    gymnasium.register(id="passgym/llvm-v0", entry_point="passgym.env:Env")


_register_with_gymnasium()

__all__ = [
    "ActionSpace",
    "Benchmark",
    "Box",
    "Bytes",
    "Dataset",
    "Discrete",
    "Env",
    "Error",
    "ObservationView",
    "ProgramGraph",
    "RewardView",
    "Text",
    "ValidationResult",
    "Vocabulary",
    "dataset",
    "datasets",
    "load_benchmark",
    "load_pass_plugin",
    "make",
    "make_benchmark",
    "manifest",
    "observation_spaces",
    "reward_spaces",
    "to_networkx",
]
