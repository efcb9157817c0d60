"""The phase-ordering environment with gymnasium's API."""

from __future__ import annotations

import copy
import functools
import operator
from dataclasses import dataclass
from os import PathLike
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _passgym
from .datasets import Dataset
from . import spaces
from .spaces import ActionSpace

try:
    import gymnasium

    _EnvBase = gymnasium.Env
except ImportError:

    class _EnvBase:  # type: ignore[no-redef]
        """What passgym.Env uses of gymnasium.Env: seeding, and closing as a
        context manager."""

        metadata: dict = {"render_modes": []}
        render_mode = None
        reward_range = (-float("inf"), float("inf"))
        spec = None
        _np_random: Optional[np.random.Generator] = None

        @property
        def np_random(self) -> np.random.Generator:
            if self._np_random is None:
                self._np_random = np.random.default_rng()
            return self._np_random

        @np_random.setter
        def np_random(self, value: np.random.Generator) -> None:
            self._np_random = value

        @property
        def unwrapped(self):
            return self

        def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
            # gymnasium seeds the same generator: PCG64 from SeedSequence(seed).
            if seed is not None:
                self._np_random = np.random.default_rng(seed)

        def close(self) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args: Any) -> bool:
            self.close()
            return False


#: What ``benchmark`` may be: one benchmark (a URI, a file, a Benchmark), or a
#: set that each reset draws one from (a Dataset, a list of URIs or
#: Benchmarks).
BenchmarkChoice = Union[str, "PathLike[str]", _passgym.Benchmark, Dataset, Sequence]


@functools.lru_cache(maxsize=256)
def _load_cached(uri: str) -> _passgym.Benchmark:
    # A Benchmark keeps what is derived from it (its -Oz and -O3 costs, its
    # program's reference behaviour), so episodes on the same program share
    # one instead of recomputing them.
    return _passgym.load_benchmark(uri)


@dataclass
class ValidationResult:
    """Whether the current program behaves as the unoptimized one; ``error``
    says how it differs when it does not."""

    okay: bool
    error: Optional[str] = None

    def __bool__(self) -> bool:
        return self.okay


class ObservationView:
    """``env.observation[NAME]``: any observation space of the current state,
    computed on demand (``spaces`` lists them)."""

    def __init__(self, env: "Env"):
        self._env = env

    def __getitem__(self, name: str) -> Any:
        return self._env._cpp().observe(name)

    @property
    def spaces(self) -> list[str]:
        return [space[0] for space in _passgym.observation_spaces()]


class RewardView:
    """``env.reward[NAME]``: the reward under any reward space since the
    episode started or since the last read of that space, so that read after
    every step it is that step's reward (``spaces`` lists them)."""

    def __init__(self, env: "Env"):
        self._env = env

    def __getitem__(self, name: str) -> float:
        return self._env._cpp().read_reward(name)

    @property
    def spaces(self) -> list[str]:
        return [space[0] for space in _passgym.reward_spaces()]


class Env(_EnvBase):
    """LLVM 19 phase ordering: each step applies one optimization pass (an
    ``opt -passes=`` text) to a program's module.

    ``reset(seed=None, options=None) -> (observation, info)`` starts an episode
    on ``benchmark`` (``options={"benchmark": ...}`` switches to another);
    ``step(action) -> (observation, reward, terminated, truncated, info)``
    applies an action, given by index or name. ``terminated`` means a pass
    broke the program (LLVM crashed, the IR became invalid, or, with a
    run-time reward, the program no longer behaves as before): ``info["error"]``
    says why, the reward is the documented penalty and the observation is None.
    ``truncated`` means ``max_episode_steps`` were taken. Either way, call
    reset() before stepping again.

    Errors (a bad action, a benchmark that cannot be loaded, stepping outside
    an episode) raise passgym.Error with passgym's one-line message.
    """

    metadata: dict = {"render_modes": []}

    def __init__(
        self,
        benchmark: Optional[BenchmarkChoice] = None,
        observation_space: Optional[str] = "Autophase",
        reward_space: str = "IrInstructionCountOz",
        action_space: Union[None, str, "PathLike[str]", ActionSpace] = None,
        max_episode_steps: Optional[int] = None,
        isolation: str = "in-process",
        step_timeout: Optional[float] = None,
    ):
        """
        Args:
            benchmark: the program(s) to optimize: a URI such as
                ``benchmark://builtin-v0/qsort`` (the default), a path to a
                .c/.cc/.cpp/.ll/.bc file, a Benchmark, or a Dataset or list
                to draw one from at every reset (with ``np_random``).
                Benchmarks named by URI are loaded once per process.
            observation_space: what reset() and step() return, by name
                (``passgym.observation_spaces()``); None for nothing.
            reward_space: what step() rewards (``passgym.reward_spaces()``).
            action_space: None for the built-in actions (CompilerGym's, in
                LLVM 19), ``"builtin:O3-pieces"`` or ``"builtin:Oz-pieces"``
                (LLVM's pipelines in pieces), a path to an actions file (one
                ``opt -passes=`` text, optionally after a name, per line), or
                an ActionSpace.
            max_episode_steps: steps after which an episode is truncated.
            isolation: ``"in-process"`` (fastest) or ``"worker"`` (every
                step runs in a process of the environment's own, so a crash or
                hang in LLVM cannot take Python down).
            step_timeout: seconds a worker step may take (worker isolation).
        """
        if isinstance(action_space, ActionSpace):
            actions = action_space.actions
        else:
            actions = _passgym.ActionSpace.load(
                "" if action_space is None else str(action_space)
            )
        self._env: Optional[_passgym.Environment] = _passgym.Environment(
            actions, observation_space or "", reward_space, isolation, step_timeout
        )
        self.action_space = ActionSpace(actions)
        self.observation_space = (
            spaces.observation_space(observation_space) if observation_space else None
        )
        self.reward_space: str = reward_space
        self.max_episode_steps = max_episode_steps
        self.observation = ObservationView(self)
        self.reward = RewardView(self)
        self._choice: BenchmarkChoice = (
            _passgym.DEFAULT_BENCHMARK if benchmark is None else benchmark
        )
        self._benchmark: Optional[_passgym.Benchmark] = None
        self._steps = 0
        self._truncated = False

    # -- the gymnasium API ---------------------------------------------------

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[dict] = None
    ) -> tuple[Any, dict]:
        """Starts an episode: ``(observation, {"benchmark": URI})``.

        ``seed`` seeds ``np_random``, which draws the benchmark when the
        environment has a set of them; ``options={"benchmark": ...}`` takes
        anything ``benchmark`` does, for this and later episodes.
        """
        super().reset(seed=seed)
        if options and "benchmark" in options:
            self.benchmark = options["benchmark"]
        benchmark = self._draw()
        observation = self._cpp().reset(benchmark)
        self._benchmark = benchmark
        self._steps = 0
        self._truncated = False
        return observation, {"benchmark": benchmark.uri}

    def step(self, action: Union[int, np.integer, str]) -> tuple[Any, float, bool, bool, dict]:
        """Applies an action (an index, or a name):
        ``(observation, reward, terminated, truncated, info)``.

        ``info`` holds ``changed`` (whether the pass reported a change),
        ``error`` (why the episode terminated; empty otherwise), and
        ``pass_time``/``verify_time`` (seconds in LLVM's passes, and
        verifying what they changed).
        """
        return self.multistep([action])

    def multistep(
        self, actions: Sequence[Union[int, np.integer, str]]
    ) -> tuple[Any, float, bool, bool, dict]:
        """Applies several actions as one step, as CompilerGym's multistep
        does: ``(observation, reward, terminated, truncated, info)`` for the
        state after the last, ``reward`` the sum of theirs. What they changed
        is verified once, after the last, which on a large module saves most
        of the time a step spends outside LLVM's passes. If one of them
        terminates the episode, the episode ends where step() by step() would
        have ended it (``actions`` ends with that action, ``info["error"]``
        names it), unless a later action removes what it broke, which only
        verifying after every action would see. Each action counts towards ``max_episode_steps``; actions
        past that limit are not applied.
        """
        env = self._cpp()
        if self._truncated:
            raise _passgym.Error("the episode is over; call reset()")
        indices = [
            self.action_space.index(a) if isinstance(a, str) else operator.index(a)
            for a in actions
        ]
        if self.max_episode_steps is not None:
            indices = indices[: max(self.max_episode_steps - self._steps, 0)]
        observation, reward, terminated, info = env.multistep(indices)
        self._steps += len(indices)
        self._truncated = (
            not terminated
            and self.max_episode_steps is not None
            and self._steps >= self.max_episode_steps
        )
        return observation, reward, terminated, self._truncated, info

    def close(self) -> None:
        """Frees the environment (and stops its worker); later calls raise."""
        self._env = None

    # -- what CompilerGym users reach for ------------------------------------

    @property
    def benchmark(self) -> Optional[_passgym.Benchmark]:
        """The current episode's benchmark (None before the first reset).
        Assigning one (anything ``benchmark`` takes) applies from the next
        reset()."""
        return self._benchmark

    @benchmark.setter
    def benchmark(self, choice: BenchmarkChoice) -> None:
        self._choice = choice

    @property
    def actions(self) -> list[int]:
        """The actions taken this episode, the one that ended it included."""
        return self._cpp().action_history

    @property
    def episode_reward(self) -> float:
        return self._cpp().episode_reward

    @property
    def in_episode(self) -> bool:
        """Whether there is a state to observe: after reset(), until a step
        terminates the episode."""
        return self._cpp().in_episode

    def commandline(self, input: str = "input.bc", output: str = "output.bc") -> str:
        """An ``opt-19`` command that turns the benchmark's unoptimized module
        into exactly the current one."""
        return self._cpp().commandline(input, output)

    def fork(self) -> "Env":
        """An independent copy of the current state: stepping one does not
        change the other."""
        copy_ = object.__new__(type(self))
        copy_.__dict__.update(self.__dict__)
        copy_._env = self._cpp().fork()
        copy_.observation = ObservationView(copy_)
        copy_.reward = RewardView(copy_)
        copy_._np_random = copy.deepcopy(self._np_random)
        return copy_

    def validate(self) -> ValidationResult:
        """Runs the current program once and compares its behaviour (exit
        code, output, output files) with the unoptimized program's. Raises
        passgym.Error for a benchmark that is not runnable."""
        difference = self._cpp().validate()
        return ValidationResult(difference is None, difference)

    # -- internals -------------------------------------------------------------

    def _cpp(self) -> _passgym.Environment:
        if self._env is None:
            raise _passgym.Error("the environment is closed")
        return self._env

    def _draw(self) -> _passgym.Benchmark:
        """The benchmark for the next episode, drawn with np_random from a
        set."""
        choice = self._choice
        if isinstance(choice, Dataset):
            choice = choice.sample_uri(self.np_random)
        elif isinstance(choice, Sequence) and not isinstance(choice, str):
            if not choice:
                raise _passgym.Error("the set of benchmarks to draw from is empty")
            choice = choice[self.np_random.integers(len(choice))]
        if isinstance(choice, _passgym.Benchmark):
            return choice
        return _load_cached(str(choice))

    def __repr__(self) -> str:
        uri = self._benchmark.uri if self._benchmark else None
        return f"<passgym.Env benchmark={uri} reward_space={self.reward_space}>"


ENV_IDS = ("llvm-v0", "passgym/llvm-v0")


def make(id: str = "llvm-v0", **kwargs: Any) -> Env:
    """Creates an environment: ``make("llvm-v0", benchmark=...,
    observation_space="Autophase", reward_space="IrInstructionCountOz",
    action_space=None, max_episode_steps=None)``; see Env."""
    if id not in ENV_IDS:
        raise _passgym.Error(f"unknown environment '{id}'; expected one of: {', '.join(ENV_IDS)}")
    return Env(**kwargs)
