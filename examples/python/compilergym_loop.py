#!/usr/bin/env python3
"""A CompilerGym loop moved to passgym.

The lines marked "was:" are all that change when moving from CompilerGym's
gym API to passgym's gymnasium API; the rest (spaces by name, fork(),
commandline(), validate(), env.observation[...] and env.reward[...]) reads as
it did. Run with PYTHONPATH=build/python.
"""

import argparse

import passgym  # was: import compiler_gym


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="benchmark://builtin-v0/qsort")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = passgym.make(  # was: compiler_gym.make(
        "llvm-v0",
        benchmark=args.benchmark,  # was: "cbench-v1/qsort"
        observation_space="Autophase",
        reward_space="IrInstructionCountOz",
    )
    observation, info = env.reset(seed=args.seed)  # was: observation = env.reset()
    env.action_space.seed(args.seed)
    best = (env.episode_reward, env.fork())
    for _ in range(args.steps):
        action = env.action_space.sample()
        # was: observation, reward, done, info = env.step(action)
        observation, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:  # was: if done:
            print(f"episode ended: {info['error']}")
            break
        if env.episode_reward > best[0]:
            best = (env.episode_reward, env.fork())

    reward, state = best
    print(f"benchmark:      {env.benchmark.uri}")
    print(f"best reward:    {reward:.3f} (1.0 matches -Oz)")
    print(f"instructions:   {state.observation['IrInstructionCount']} "
          f"(-Oz: {state.observation['IrInstructionCountOz']})")
    print(f"actions:        {' '.join(state.action_space.names[a] for a in state.actions)}")
    print(f"reproduce with: {state.commandline()}")
    if state.benchmark.runnable:
        result = state.validate()
        print(f"validation:     {'ok' if result.okay else result.error}")
    state.close()
    env.close()


if __name__ == "__main__":
    main()
