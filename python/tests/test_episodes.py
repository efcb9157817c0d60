"""What CompilerGym users reach for: fork, commandline, validate, several
observation and reward spaces, user actions, worker isolation."""

import subprocess

import numpy as np
import pytest

import passgym
from conftest import CRC32, QSORT, valid_actions


def test_fork_is_independent_of_its_parent(env):
    env.reset()
    env.step("sroa")
    fork = env.fork()
    assert fork.actions == env.actions
    assert fork.observation["IrHash"] == env.observation["IrHash"]
    before = env.observation["Ir"]

    fork.step("inline")
    fork.step("instcombine")
    assert env.observation["Ir"] == before
    assert env.actions == [env.action_space.index("sroa")]
    assert fork.observation["IrHash"] != env.observation["IrHash"]

    env.step("gvn")
    assert fork.actions[-1] == fork.action_space.index("instcombine")
    assert "gvn" not in fork.commandline() and "gvn" in env.commandline()


def test_commandline_run_by_opt_gives_the_same_module(env, opt, tmp_path):
    env.reset()
    for action in valid_actions(env, 12, seed=1):
        env.step(action)
    (tmp_path / "input.bc").write_bytes(env.benchmark.bitcode)
    command = env.commandline()
    assert command.startswith("opt-19 -passes='")
    # opt-19 as the command says, by the absolute path of the LLVM built on.
    subprocess.run(opt + command[len("opt-19"):], shell=True, cwd=tmp_path, check=True)
    output = passgym.make_benchmark("file://output.bc", (tmp_path / "output.bc").read_bytes())
    with passgym.make("llvm-v0", benchmark=output, observation_space="InstCount") as replayed:
        from_opt, _ = replayed.reset()
    assert np.array_equal(from_opt, env.observation["InstCount"])
    assert replayed_count(output) == env.observation["IrInstructionCount"]


def replayed_count(benchmark) -> int:
    with passgym.make("llvm-v0", benchmark=benchmark, observation_space="IrInstructionCount") as e:
        return e.reset()[0]


def test_reward_views_give_each_steps_reward_under_any_space():
    env = passgym.make("llvm-v0", benchmark=QSORT, reward_space="IrInstructionCount")
    env.reset()
    unoptimized = env.observation["IrInstructionCountO0"]
    oz = env.observation["IrInstructionCountOz"]
    assert unoptimized > oz > 0
    for action in ["sroa", "instcombine", "simplifycfg", "gvn"]:
        _, reward, _, _, _ = env.step(action)
        assert env.reward["IrInstructionCount"] == reward
        # The Oz space scales the same reduction by what -Oz gains.
        assert env.reward["IrInstructionCountOz"] == pytest.approx(reward / (unoptimized - oz))
    assert env.observation["IrInstructionCount"] == unoptimized - env.episode_reward
    # A new episode starts every space's count afresh.
    env.reset()
    env.step("sroa")
    assert env.reward["IrInstructionCount"] == pytest.approx(
        unoptimized - env.observation["IrInstructionCount"])


def test_validate_runs_the_program_and_fails_on_a_benchmark_that_cannot_run():
    env = passgym.make("llvm-v0", benchmark=CRC32)
    env.reset()
    for action in ["sroa", "instcombine", "loop-unroll", "gvn"]:
        env.step(action)
    result = env.validate()
    assert result.okay and result.error is None and bool(result)
    env.reset(options={"benchmark": "generator://llvm-stress-v0/1"})
    with pytest.raises(passgym.Error, match="runnable|run"):
        env.validate()


def test_a_users_actions_file_is_the_action_space(tmp_path):
    actions = tmp_path / "actions.txt"
    actions.write_text("# two actions\nsroa function(sroa)\nfunction(instcombine)\n")
    env = passgym.make("llvm-v0", benchmark=CRC32, action_space=actions)
    assert env.action_space.n == 2
    assert env.action_space.names[0] == "sroa"
    env.reset()
    env.step(0)
    env.step(1)
    assert env.commandline() == "opt-19 -passes='function(sroa),function(instcombine)' input.bc -o output.bc"
    bad = tmp_path / "bad.txt"
    bad.write_text("sroa function(sroa)\nnot-a-pass\n")
    with pytest.raises(passgym.Error, match="bad.txt:2: invalid pipeline .not-a-pass."):
        passgym.make("llvm-v0", action_space=bad)


def test_builtin_action_spaces_by_name_reproduce_llvms_pipelines():
    env = passgym.make("llvm-v0", benchmark=QSORT, action_space="builtin:O3-pieces",
                       observation_space="IrInstructionCount")
    env.reset()
    for piece in range(env.action_space.n):
        observation, _, terminated, _, _ = env.step(piece)
        assert not terminated
    assert observation == env.observation["IrInstructionCountO3"]


def test_worker_isolation_steps_as_in_process():
    actions = ["sroa", "inline", "instcombine", "simplifycfg"]
    observed = []
    for isolation in ["in-process", "worker"]:
        with passgym.make("llvm-v0", benchmark=CRC32, isolation=isolation) as env:
            env.reset()
            steps = [env.step(a)[:2] for a in actions]
            observed.append(([list(o) for o, _ in steps], [r for _, r in steps], env.commandline()))
    assert observed[0] == observed[1]


def test_feature_vectors_and_bitcode_are_numpy_arrays_without_a_copy(env):
    env.reset()
    autophase = env.observation["Autophase"]
    # The array's memory belongs to a capsule holding the C++ vector.
    assert not autophase.flags.owndata and autophase.base is not None
    bitcode = env.observation["Bitcode"]
    assert bitcode.dtype == np.uint8 and not bitcode.flags.owndata
    assert bytes(bitcode[:4]) == b"BC\xc0\xde"
    assert passgym.make_benchmark("file://fetched.bc", bytes(bitcode))


def test_every_observation_space_gives_a_value_in_its_space(env):
    env.reset()
    env.step("sroa")
    slow = {"Runtime", "RuntimeO0", "RuntimeO2", "RuntimeO3", "RuntimeOs", "RuntimeOz"}
    for name in passgym.observation_spaces():
        if name in slow:
            continue
        space = passgym.spaces.observation_space(name)
        value = env.observation[name]
        assert value in space, name
    assert env.observation.spaces == passgym.observation_spaces()
    assert env.reward.spaces == passgym.reward_spaces()
    assert "IrInstructionCountOz" in env.reward.spaces
    ir = env.observation["Ir"]
    assert isinstance(ir, str) and "define" in ir


def test_runtime_observation_and_reward_are_measured_run_times():
    with passgym.make("llvm-v0", benchmark=CRC32, observation_space="Runtime",
                      reward_space="Runtime") as env:
        runtime, _ = env.reset()
        assert isinstance(runtime, float) and runtime > 0
        _, reward, terminated, _, _ = env.step("sroa")
        assert not terminated and isinstance(reward, float)


def test_multistep_is_step_by_step_in_one_call():
    actions = ["sroa", "instcombine", "simplifycfg", "gvn", "licm"]
    with passgym.make("llvm-v0", benchmark=QSORT, max_episode_steps=4) as stepped, \
            passgym.make("llvm-v0", benchmark=QSORT, max_episode_steps=4) as batched:
        stepped.reset()
        rewards = [stepped.step(a)[1] for a in actions[:4]]
        batched.reset()
        _, reward, terminated, truncated, info = batched.multistep(actions)
        assert not terminated and truncated and info["error"] == ""
        # Only the actions up to max_episode_steps are applied.
        assert batched.actions == stepped.actions
        assert len(batched.actions) == 4
        assert reward == pytest.approx(sum(rewards))
        assert batched.observation["IrHash"] == stepped.observation["IrHash"]
        with pytest.raises(passgym.Error, match="the episode is over"):
            batched.multistep(["sroa"])
