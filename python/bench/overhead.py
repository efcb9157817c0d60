#!/usr/bin/env python3
"""The Python binding's overhead per step, against the C++ API.

For each benchmark, a random episode of actions that do not end it is
replayed both ways on the same environment, interleaved, several times:
through env.step() from Python (which converts the observation to numpy and
builds the info dict), and by the C++ environment's step() in a C++ loop
(Environment.replay_in_cpp). Both are timed in this thread's CPU time, which
other work on the machine does not inflate the way it does wall time. Medians
per step, and the binding's overhead: the median, over the replays, of
Python's time over the C++ time measured just before it, minus one.

On a busy machine those ratios scatter by several percent either way, more
than the binding costs; so the binding's own cost per step is also measured
where little else happens: a no-op pass, replayed many times, with the same
observation and reward. That cost over each benchmark's C++ step time is the
overhead the binding adds, without the scatter.

    PYTHONPATH=build/python python3 python/bench/overhead.py
"""

import argparse
import statistics
import tempfile
import time

import numpy as np

import passgym

DEFAULT_BENCHMARKS = [
    "benchmark://builtin-v0/crc32",
    "benchmark://builtin-v0/qsort",
    "benchmark://builtin-v0/jpeg_dct",
    "generator://linked-builtins-v0/26",
]


def episode(env, length: int, rng) -> list[int]:
    """``length`` random actions that do not end an episode, tried on forks."""
    env.reset()
    actions = []
    while len(actions) < length:
        action = int(rng.integers(env.action_space.n))
        if not env.fork().step(action)[2]:
            env.step(action)
            actions.append(action)
    return actions


def python_seconds(env, actions) -> float:
    env.reset()
    start = time.thread_time()
    for action in actions:
        env.step(action)
    return time.thread_time() - start


def cpp_seconds(env, actions) -> float:
    env.reset()
    start = time.thread_time()
    env._cpp().replay_in_cpp(actions)
    return time.thread_time() - start


def binding_cost(args) -> tuple[float, float]:
    """(C++ step, the binding's extra) in seconds per step of a no-op pass
    on the first benchmark."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as actions_file:
        actions_file.write("no-op function(no-op-function)\n")
        actions_file.flush()
        env = passgym.make("llvm-v0", benchmark=args.benchmarks[0], action_space=actions_file.name,
                           observation_space=args.observation_space or None,
                           reward_space=args.reward_space)
    actions = [0] * 2000
    cpp, python = [], []
    for _ in range(args.repetitions):
        cpp.append(cpp_seconds(env, actions))
        python.append(python_seconds(env, actions))
    env.close()
    cpp_step = statistics.median(cpp) / len(actions)
    return cpp_step, statistics.median(python) / len(actions) - cpp_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*", default=DEFAULT_BENCHMARKS)
    parser.add_argument("--actions", type=int, default=50, help="steps per episode")
    parser.add_argument("--repetitions", type=int, default=11, help="replays each way")
    parser.add_argument("--observation-space", default="Autophase", help="'' for none")
    parser.add_argument("--reward-space", default="IrInstructionCountOz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    print(f"observation {args.observation_space or 'none'}, reward {args.reward_space}, "
          f"{args.actions} steps, {args.repetitions} replays each way (medians)")
    print(f"{'benchmark':36} {'C++ us/step':>12} {'Python us/step':>15} {'overhead':>9}")
    overheads, cpp_steps = [], []
    for uri in args.benchmarks:
        env = passgym.make("llvm-v0", benchmark=uri, observation_space=args.observation_space or None,
                           reward_space=args.reward_space)
        actions = episode(env, args.actions, rng)
        cpp, python = [], []
        for _ in range(args.repetitions):
            cpp.append(cpp_seconds(env, actions))
            python.append(python_seconds(env, actions))
        cpp_step = statistics.median(cpp) / len(actions)
        python_step = statistics.median(python) / len(actions)
        overhead = statistics.median(p / c for p, c in zip(python, cpp)) - 1
        overheads.append(overhead)
        cpp_steps.append(cpp_step)
        print(f"{uri:36} {cpp_step * 1e6:12.1f} {python_step * 1e6:15.1f} {overhead:9.1%}")
        env.close()
    print(f"median overhead: {statistics.median(overheads):.1%}")
    cpp_step, extra = binding_cost(args)
    print(f"\nthe binding's own cost per step (a no-op pass on {args.benchmarks[0]}, "
          f"C++ step {cpp_step * 1e6:.1f} us): {extra * 1e6:.1f} us")
    for uri, cpp_step in zip(args.benchmarks, cpp_steps):
        print(f"  {uri:36} {extra / cpp_step:9.1%} of its C++ step")


if __name__ == "__main__":
    main()
