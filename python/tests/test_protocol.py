"""The gymnasium protocol: what reset() and step() return, terminated versus
truncated, seeding, spaces, and errors as passgym.Error."""

import numpy as np
import pytest

import passgym
from conftest import CRC32, QSORT


def test_reset_returns_an_observation_in_the_space_and_the_benchmark(env):
    observation, info = env.reset()
    assert isinstance(observation, np.ndarray)
    assert observation.dtype == np.int64 and observation.shape == (56,)
    assert env.observation_space.shape == (56,)
    assert observation in env.observation_space
    assert info == {"benchmark": QSORT}
    assert env.benchmark.uri == QSORT
    # The unoptimized qsort has instructions, blocks and functions.
    assert observation[env.observation_space.feature_names.index("TotalInsts")] > 100


def test_step_returns_observation_reward_terminated_truncated_info(env):
    first, _ = env.reset()
    observation, reward, terminated, truncated, info = env.step(env.action_space.index("sroa"))
    assert isinstance(observation, np.ndarray) and observation in env.observation_space
    assert isinstance(reward, float) and reward > 0  # sroa shrinks unoptimized qsort
    assert terminated is False and truncated is False
    assert set(info) == {"changed", "error", "pass_time", "verify_time"}
    assert info["changed"] is True and info["error"] == ""
    assert info["pass_time"] > 0
    assert not np.array_equal(first, observation)
    assert env.actions == [env.action_space.index("sroa")]
    assert env.episode_reward == pytest.approx(reward)


def test_actions_by_name_and_by_numpy_integer_are_the_same_action(env):
    env.reset()
    index = env.action_space.index("instcombine")
    env.step("instcombine")
    env.step(np.int64(index))
    assert env.actions == [index, index]


def test_truncated_after_max_episode_steps_then_reset_is_needed():
    env = passgym.make("llvm-v0", benchmark=CRC32, max_episode_steps=2)
    env.reset()
    assert env.step("sroa")[2:4] == (False, False)
    assert env.step("gvn")[2:4] == (False, True)
    with pytest.raises(passgym.Error, match="call reset"):
        env.step("sroa")
    env.reset()
    assert env.step("sroa")[3] is False


def test_terminated_when_a_pass_crashes_with_the_penalty_and_why(faulty_actions):
    env = passgym.make("llvm-v0", benchmark=CRC32, action_space=faulty_actions,
                       reward_space="IrInstructionCount")
    assert env.action_space.names == ["sroa", "crash", "break"]
    env.reset()
    initial = env.observation["IrInstructionCount"]
    env.step("sroa")
    observation, reward, terminated, truncated, info = env.step("crash")
    assert terminated is True and truncated is False
    assert observation is None
    assert reward == -initial  # the penalty: losing the whole unoptimized cost
    assert "crashed" in info["error"] and "faulty-crash" in info["error"]
    assert CRC32 in info["error"]
    assert not env.in_episode
    with pytest.raises(passgym.Error, match="the episode is over"):
        env.step("sroa")
    env.reset()
    _, _, terminated, _, info = env.step("break")
    assert terminated is True and "invalid IR" in info["error"]


def test_seeded_resets_draw_the_same_benchmarks():
    uris = passgym.dataset("builtin-v0").benchmark_uris()
    pool = list(uris)[:8]

    def drawn(seed):
        env = passgym.make("llvm-v0", benchmark=pool, observation_space=None)
        first = env.reset(seed=seed)[1]["benchmark"]
        return [first] + [env.reset()[1]["benchmark"] for _ in range(5)]

    assert drawn(3) == drawn(3)
    assert drawn(3) != drawn(4)
    assert set(drawn(3)) <= set(pool)


def test_reset_options_switch_the_benchmark(env):
    assert env.reset(options={"benchmark": CRC32})[1]["benchmark"] == CRC32
    assert env.reset()[1]["benchmark"] == CRC32  # it stays switched
    env.benchmark = passgym.load_benchmark(QSORT)
    assert env.reset()[1]["benchmark"] == QSORT


def test_discrete_action_space_samples_reproducibly_and_checks_membership(env):
    space = env.action_space
    assert space.n == len(space.names) == len(space.pipelines) > 100
    assert space.shape == () and space.dtype == np.int64
    assert 0 in space and space.n - 1 in space
    assert -1 not in space and space.n not in space and 1.5 not in space and True not in space
    space.seed(5)
    first = [space.sample() for _ in range(20)]
    space.seed(5)
    assert [space.sample() for _ in range(20)] == first
    assert all(a in space for a in first)
    assert space.pipelines[space.index("licm")] == "function(loop-mssa(licm))"


def test_box_observation_space_checks_shape_dtype_and_bounds(env):
    space = env.observation_space
    assert space.sample() in space
    assert np.zeros(56, dtype=np.int64) in space
    assert np.zeros(55, dtype=np.int64) not in space
    assert np.full(56, -1, dtype=np.int64) not in space
    assert np.zeros(56, dtype=np.float64) not in space


def test_one_line_errors_arrive_as_passgym_error():
    def message(call):
        with pytest.raises(passgym.Error) as raised:
            call()
        text = str(raised.value)
        assert "\n" not in text and text
        return text

    assert isinstance(passgym.Error("x"), RuntimeError)
    assert "no-such-program" in message(
        lambda: passgym.make("llvm-v0", benchmark="benchmark://builtin-v0/no-such-program").reset())
    assert "Autophase" in message(lambda: passgym.make("llvm-v0", observation_space="Autofase"))
    assert "IrInstructionCountOz" in message(lambda: passgym.make("llvm-v0", reward_space="Size"))
    assert "llvm-v0" in message(lambda: passgym.make("llvm-v1"))
    assert "nowhere.txt" in message(lambda: passgym.make("llvm-v0", action_space="/nowhere.txt"))
    env = passgym.make("llvm-v0", benchmark=CRC32)
    assert "before reset" in message(lambda: env.step(0))
    env.reset()
    assert "out of range" in message(lambda: env.step(10_000))
    assert "out of range" in message(lambda: env.step(-1))
    assert "unknown action 'sroaa'" in message(lambda: env.step("sroaa"))
    assert "unknown observation space" in message(lambda: env.observation["Autofase"])
    assert env.actions == []  # the bad calls changed nothing
    env.close()
    assert "closed" in message(lambda: env.step(0))


def test_context_manager_closes_the_environment():
    with passgym.make("llvm-v0", benchmark=CRC32) as env:
        env.reset()
    with pytest.raises(passgym.Error, match="closed"):
        env.reset()
