"""The examples run, with small budgets."""

import json
import os
import subprocess
import sys

from conftest import SOURCE_ROOT

EXAMPLES = SOURCE_ROOT / "examples" / "python"


def run(script, *args) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args],
                          capture_output=True, text=True, env=os.environ)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ppo_policy_beats_the_random_policy():
    out = run("ppo_autophase.py", "--iterations", "25", "--random-episodes", "30")
    result = json.loads(out.splitlines()[-1].removeprefix("result: "))
    assert result["trained"] > result["random"] + 0.1, out


def test_compilergym_loop_finds_a_better_module_and_validates_it():
    out = run("compilergym_loop.py", "--benchmark", "benchmark://builtin-v0/crc32", "--steps", "30")
    assert "reproduce with: opt-19 -passes=" in out
    assert "validation:     ok" in out
    best = float(out.split("best reward:")[1].split()[0])
    assert best > 0, out
