"""`mpirun -np 3 passgym train` (docs/mpi.md): the environments on ranks 1
and 2 give the metrics of the serial run with --envs 2, for PPO, SAC and the
random baseline; a killed rank ends the job with a non-zero exit and leaves
a checkpoint that a serial run resumes. Run by CTest (test mpi_train) when
passgym is built with MPI; PASSGYM_BINARY names the binary, MPIRUN mpirun."""
import csv
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from test_mpi_optimize import rank_pid, run

PASSGYM = os.environ["PASSGYM_BINARY"]
MPIRUN = [os.environ.get("MPIRUN", "mpirun"), "--oversubscribe",
          "--allow-run-as-root", "-np", "3"]
# Two benchmarks, so that each environment's own seeded draws matter; the
# instruction-count reward is exact, and a tiny network keeps it fast.
DATASET = "benchmark://builtin-v0/crc32,benchmark://builtin-v0/qsort"
TINY = ["--dataset", DATASET, "--reward", "instcount", "--seed", "5",
        "--episode-length", "5", "--iteration-steps", "16", "--hidden", "8",
        "--layers", "1"]


def metrics(directory):
    """metrics.csv without its timing column."""
    with open(directory / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        del row["steps_per_second"]
    return rows


@pytest.mark.parametrize("agent,steps", [("ppo", 48), ("sac", 64),
                                         ("random", 32)])
def test_distributed_run_gives_the_serial_metrics(tmp_path, agent, steps):
    args = ["train", "--agent", agent, *TINY, "--steps", str(steps)]
    serial = run([PASSGYM, *args, "--envs", "2", "-o",
                  str(tmp_path / "serial")])
    assert serial.returncode == 0, serial.stderr
    # --envs defaults to the ranks less one.
    mpi = run([*MPIRUN, PASSGYM, *args, "-o", str(tmp_path / "mpi")])
    assert mpi.returncode == 0, mpi.stdout + mpi.stderr

    expected, got = metrics(tmp_path / "serial"), metrics(tmp_path / "mpi")
    assert len(got) == steps // 16
    assert got == expected
    # Episodes ended, so the returns compared are numbers.
    assert all(row["mean_episode_return"] != "nan" for row in got)
    assert "environments                2" in mpi.stdout
    for line in ["bytes out per step", "bytes back per step",
                 "communication per step"]:
        assert line in mpi.stdout, mpi.stdout
        assert line not in serial.stdout


def test_a_killed_rank_ends_the_job_and_the_checkpoint_resumes(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--agent", "ppo", *TINY, "--checkpoint-every", "1"]
    mpirun = subprocess.Popen(
        [*MPIRUN, PASSGYM, *args, "--steps", "100000", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    rank_pid(mpirun, 1)
    manifest = out / "checkpoint" / "manifest.json"
    for _ in range(1200):
        if manifest.exists() or mpirun.poll() is not None:
            break
        time.sleep(0.1)
    assert manifest.exists(), mpirun.communicate()[0]
    os.kill(rank_pid(mpirun, 1), signal.SIGKILL)
    output, _ = mpirun.communicate(timeout=300)
    assert mpirun.returncode != 0, output
    assert "rank 1" in output, output

    completed = len(metrics(out))
    assert completed >= 1
    resumed = run([PASSGYM, *args, "--envs", "2", "--steps",
                   str(16 * (completed + 1)), "--resume", "-o", str(out)])
    assert resumed.returncode == 0, resumed.stderr
    # The checkpoint holds an iteration that the metrics show completed, and
    # the resumed run goes on from it.
    first = [line for line in resumed.stdout.splitlines()
             if line.startswith("iterations")][0].split()
    assert 1 <= int(first[1]) <= completed
    assert int(first[3]) == completed + 1
