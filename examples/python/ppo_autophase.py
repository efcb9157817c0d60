#!/usr/bin/env python3
"""Trains a small PPO policy on Autophase features to shrink one program.

The policy (a two-layer network over log-scaled Autophase features) picks
one of passgym's actions per step; the reward is the instruction count
reduction scaled so that matching -Oz over an episode scores 1. After
training, the policy's greedy episode is compared with the mean of random
episodes of the same length. Run with PYTHONPATH=build/python; needs
python3-torch.
"""

import argparse
import json

import numpy as np
import torch
from torch import nn

import passgym


class Policy(nn.Module):
    def __init__(self, features: int, actions: int, hidden: int = 64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.actor = nn.Linear(hidden, actions)
        self.critic = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor):
        h = self.body(x)
        return torch.distributions.Categorical(logits=self.actor(h)), self.critic(h).squeeze(-1)


def features(observation: np.ndarray) -> torch.Tensor:
    # Counts span orders of magnitude; their logarithms train better.
    return torch.from_numpy(np.log1p(observation).astype(np.float32))


def collect(env, policy, episodes: int):
    """Runs episodes with actions sampled from the policy: states, actions,
    log-probabilities, values, rewards and episode ends, step by step."""
    batch = {k: [] for k in ["states", "actions", "log_probs", "values", "rewards", "ends"]}
    for _ in range(episodes):
        observation, _ = env.reset()
        done = False
        while not done:
            state = features(observation)
            with torch.no_grad():
                distribution, value = policy(state)
            action = distribution.sample()
            observation, reward, terminated, truncated, _ = env.step(int(action))
            done = terminated or truncated
            for key, item in zip(batch, [state, action, distribution.log_prob(action), value, reward, done]):
                batch[key].append(item)
    return batch


def advantages(rewards, values, ends, gamma=0.99, lam=0.95):
    """Generalized advantage estimation, episode by episode."""
    result = np.zeros(len(rewards), dtype=np.float32)
    running, next_value = 0.0, 0.0
    for t in reversed(range(len(rewards))):
        if ends[t]:
            running, next_value = 0.0, 0.0
        delta = rewards[t] + gamma * next_value - float(values[t])
        running = delta + gamma * lam * running
        result[t] = running
        next_value = float(values[t])
    return torch.from_numpy(result)


def update(policy, optimizer, batch, epochs=4, clip=0.2):
    states = torch.stack(batch["states"])
    actions = torch.stack(batch["actions"])
    old_log_probs = torch.stack(batch["log_probs"])
    values = torch.stack(batch["values"])
    advantage = advantages(batch["rewards"], batch["values"], batch["ends"])
    returns = advantage + values
    advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
    for _ in range(epochs):
        distribution, value = policy(states)
        ratio = torch.exp(distribution.log_prob(actions) - old_log_probs)
        policy_loss = -torch.min(ratio * advantage, ratio.clamp(1 - clip, 1 + clip) * advantage).mean()
        loss = policy_loss + 0.5 * (returns - value).pow(2).mean() - 0.01 * distribution.entropy().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def greedy_episode(env, policy) -> float:
    observation, _ = env.reset()
    total, done = 0.0, False
    while not done:
        with torch.no_grad():
            distribution, _ = policy(features(observation))
        observation, reward, terminated, truncated, _ = env.step(int(distribution.probs.argmax()))
        total += reward
        done = terminated or truncated
    return total


def random_episode(env) -> float:
    env.reset()
    total, done = 0.0, False
    while not done:
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        total += reward
        done = terminated or truncated
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="benchmark://builtin-v0/qsort")
    parser.add_argument("--iterations", type=int, default=60, help="PPO updates")
    parser.add_argument("--episodes-per-iteration", type=int, default=8)
    parser.add_argument("--episode-length", type=int, default=10)
    parser.add_argument("--random-episodes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)  # a network this small gains nothing from more
    env = passgym.make("llvm-v0", benchmark=args.benchmark, observation_space="Autophase",
                       reward_space="IrInstructionCountOz", max_episode_steps=args.episode_length)
    env.reset(seed=args.seed)
    env.action_space.seed(args.seed)
    policy = Policy(env.observation_space.shape[0], env.action_space.n)
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-3)

    for iteration in range(args.iterations):
        batch = collect(env, policy, args.episodes_per_iteration)
        update(policy, optimizer, batch)
        if iteration % 10 == 0 or iteration == args.iterations - 1:
            mean = sum(batch["rewards"]) / args.episodes_per_iteration
            print(f"iteration {iteration:4d}: mean episode reward {mean:.3f}")

    trained = greedy_episode(env, policy)
    actions = " ".join(env.action_space.names[a] for a in env.actions)
    random_mean = float(np.mean([random_episode(env) for _ in range(args.random_episodes)]))
    print(f"trained policy: {trained:.3f} ({actions})")
    print(f"random policy:  {random_mean:.3f} (mean of {args.random_episodes} episodes)")
    print("result: " + json.dumps({"trained": trained, "random": random_mean}))


if __name__ == "__main__":
    main()
