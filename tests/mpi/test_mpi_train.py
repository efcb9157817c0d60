"""`mpirun -np 3 passgym train` (docs/mpi.md): the environments on ranks 1
and 2 give the metrics of the serial run with --envs 2, for PPO, SAC and the
random baseline; a killed rank ends the job with a non-zero exit and leaves
a checkpoint that a serial run resumes; where the job can go on
(--enable-recovery), a hung or killed rank's environments are replayed on
the other rank and the run still gives the serial metrics; what the ranks
measured ends up in rank 0's measurement cache. Run by CTest (test
mpi_train) when passgym is built with MPI; PASSGYM_BINARY names the binary,
MPIRUN mpirun."""
import csv
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from test_mpi_optimize import has_ended, rank_pid, run

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


# Long enough (40 iterations) that rank 1 is stopped well before the end.
LONG = ["train", "--agent", "ppo", *TINY, "--steps", "640"]


@pytest.fixture(scope="module")
def serial_long_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    serial = run([PASSGYM, *LONG, "--envs", "2", "-o", str(out)])
    assert serial.returncode == 0, serial.stderr
    return metrics(out)


def lose_rank_1_mid_run(directory, how):
    """Runs LONG under `mpirun --enable-recovery` with a 3 s rank timeout,
    and once two iterations are written stops (SIGSTOP) or kills (SIGKILL)
    rank 1; once rank 0 has ended, kills rank 1 so that mpirun ends.
    mpirun's (exit code, output). Placement is fixed, so that rank 1 holds
    environment 0 when it is lost."""
    mpirun = subprocess.Popen(
        [*MPIRUN, "--enable-recovery", PASSGYM, *LONG, "--rank-timeout", "3",
         "--fixed-placement", "-o", str(directory)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    coordinator, lost = rank_pid(mpirun, 0), rank_pid(mpirun, 1)
    written = directory / "metrics.csv"
    for _ in range(1200):
        if written.exists() and len(written.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.kill(lost, how)
    for _ in range(3000):
        if has_ended(coordinator):
            break
        time.sleep(0.1)
    if how != signal.SIGKILL:
        os.kill(lost, signal.SIGKILL)
    output, _ = mpirun.communicate(timeout=300)
    return mpirun.returncode, output


@pytest.mark.parametrize("how", [signal.SIGSTOP, signal.SIGKILL],
                         ids=["stopped", "killed"])
def test_with_recovery_a_lost_ranks_environments_go_on_elsewhere(
        tmp_path, serial_long_run, how):
    code, output = lose_rank_1_mid_run(tmp_path / "mpi", how)
    assert code == 0, output
    lost = [line for line in output.splitlines() if line.startswith("lost")]
    assert len(lost) == 1 and "MPI rank 1 (environments 0)" in lost[0], \
        output
    assert "its environments go on on the other ranks" in output
    moved = [line for line in output.splitlines()
             if line.startswith("environments moved")][0].split()
    assert int(moved[2].rstrip(",")) >= 1, output
    # Replayed on rank 2, the environments gave the episodes they would have
    # given on rank 1: every iteration is the serial run's.
    got = metrics(tmp_path / "mpi")
    assert len(got) == 40
    assert got == serial_long_run


def cache_rows(directory):
    with sqlite3.connect(directory / "measurements.sqlite") as db:
        return set(db.execute(
            "SELECT module_hash, config_hash, machine, payload "
            "FROM measurements"))


def test_the_ranks_measurements_end_up_in_rank_0s_cache(tmp_path):
    # Rank 0 and the other ranks each have a cache of their own, as on
    # machines of their own.
    coordinator, ranks = tmp_path / "rank0-cache", tmp_path / "ranks-cache"
    args = ["train", "--agent", "random", "--dataset", DATASET, "--reward",
            "runtime", "--seed", "5", "--episode-length", "3",
            "--iteration-steps", "4", "--steps", "8", "-o",
            str(tmp_path / "run")]
    mpirun = MPIRUN[:-2]
    job = run([*mpirun, "-np", "1", "env", f"PASSGYM_CACHE_DIR={coordinator}",
               PASSGYM, *args, ":", "-np", "2", "env",
               f"PASSGYM_CACHE_DIR={ranks}", PASSGYM, *args])
    assert job.returncode == 0, job.stdout + job.stderr
    measured = cache_rows(ranks)
    assert len(measured) >= 2
    assert measured <= cache_rows(coordinator)
    merged = [line for line in job.stdout.splitlines()
              if line.startswith("measurements merged")][0].split()
    assert int(merged[2]) == len(measured), job.stdout
