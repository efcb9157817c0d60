"""What the tests share. They import passgym from the build tree
(PYTHONPATH=build/python, set by CTest) and find the test data, the faulty
passes plugin and opt-19 through the environment CTest sets."""

import os
import pathlib

import numpy as np
import pytest

import passgym

SOURCE_ROOT = pathlib.Path(__file__).resolve().parents[2]
TEST_DATA = SOURCE_ROOT / "tests" / "data"
QSORT = "benchmark://builtin-v0/qsort"
CRC32 = "benchmark://builtin-v0/crc32"


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the tests through ctest")
    return value


@pytest.fixture(scope="session")
def opt() -> str:
    return os.path.join(required_env("PASSGYM_LLVM_BINDIR"), "opt")


@pytest.fixture(scope="session")
def faulty_actions(tmp_path_factory) -> pathlib.Path:
    """An actions file whose passes crash LLVM or break the IR, from the
    test plugin."""
    passgym.load_pass_plugin(required_env("PASSGYM_FAULTY_PASSES"))
    path = tmp_path_factory.mktemp("actions") / "faulty.txt"
    path.write_text(
        "# sroa, then passes that fail\n"
        "sroa function(sroa)\n"
        "crash faulty-crash\n"
        "break faulty-break-ir\n"
    )
    return path


@pytest.fixture
def env():
    with passgym.make("llvm-v0", benchmark=QSORT) as e:
        yield e


def valid_actions(env, count: int, seed: int = 0) -> list[int]:
    """``count`` random actions that do not end an episode on env's
    benchmark, found on a fork so that env is left as it was."""
    probe = env.fork()
    rng = np.random.default_rng(seed)
    actions = []
    while len(actions) < count:
        action = int(rng.integers(env.action_space.n))
        trial = probe.fork()
        _, _, terminated, _, _ = trial.step(action)
        if not terminated:
            probe.step(action)
            actions.append(action)
    return actions
