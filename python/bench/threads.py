#!/usr/bin/env python3
"""Environments stepped from two Python threads, against one thread.

The GIL is released while passes run, so two threads, each with its own
environment, should take about one thread's wall time for the same work per
thread on a machine with two free cores. Other work on the machine takes
cores away now and then, so each round also times two processes of plain
CPU-bound Python against one: that ratio says how much parallelism the
machine had to give in that round. Medians over the rounds, and the ratio of
each round's two ratios (threads over processes), close to 1 when threads
scale as far as the machine lets anything scale.

    PYTHONPATH=build/python python3 python/bench/threads.py [--rounds 7]
"""

import argparse
import statistics
import subprocess
import sys
import threading
import time

import passgym

ACTIONS = ["sroa", "instcombine", "simplifycfg", "gvn", "inline", "loop-unroll", "licm", "early-cse"]


def episodes(env, actions, count):
    for _ in range(count):
        env.reset()
        for action in actions:
            env.step(action)
        env.fork()


def wall_time(work, threads: int) -> float:
    started = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in started:
        t.start()
    for t in started:
        t.join()
    return time.perf_counter() - start


def processes_time(count: int) -> float:
    code = "sum(i * i for i in range(3_000_000))"
    start = time.perf_counter()
    for p in [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]:
        p.wait()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="benchmark://builtin-v0/qsort")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    envs = [passgym.make("llvm-v0", benchmark=args.benchmark) for _ in range(2)]
    actions = [envs[0].action_space.index(n) for n in ACTIONS] * 4
    for env in envs:  # the benchmark's baselines, LLVM's first use
        episodes(env, actions[:4], count=1)

    def work(i):
        episodes(envs[i], actions, count=3)

    threads, processes = [], []
    print(f"{'round':>5}  {'2 threads / 1':>14}  {'2 processes / 1':>16}")
    for r in range(args.rounds):
        threads.append(wall_time(work, 2) / wall_time(work, 1))
        processes.append(processes_time(2) / processes_time(1))
        print(f"{r + 1:>5}  {threads[-1]:>13.2f}x  {processes[-1]:>15.2f}x", flush=True)
    relative = [t / p for t, p in zip(threads, processes)]
    print(f"median: two threads {statistics.median(threads):.2f}x one thread's time, "
          f"two processes {statistics.median(processes):.2f}x one's, "
          f"threads relative to processes {statistics.median(relative):.2f}x "
          f"(2.00x would mean the threads ran one at a time)")


if __name__ == "__main__":
    main()
