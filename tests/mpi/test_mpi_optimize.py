"""`mpirun -np 3 passgym optimize` (docs/mpi.md) against the serial run, and
with a rank killed mid-run (and the run resumed from its checkpoint). Run by CTest (test mpi_optimize) when passgym is
built with MPI; PASSGYM_BINARY names the binary, MPIRUN
mpirun."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

PASSGYM = os.environ["PASSGYM_BINARY"]
MPIRUN = [os.environ.get("MPIRUN", "mpirun"), "--oversubscribe", "--allow-run-as-root", "-np", "3"]
# instcount is exact, so the serial and distributed runs must agree on every
# candidate. Batches are max(2 * jobs, 4) candidates: --jobs 2 in the serial
# run gives the batches of 2 evaluating ranks. In-process isolation: these
# tests are about the ranks, not about worker processes.
SEARCH = ["optimize", "benchmark://builtin-v0/qsort", "--objective",
          "instcount", "--candidates", "60", "--seed", "3", "--strategy",
          "random", "--isolation", "in-process"]


def run(argv, timeout=600):
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout)


def outcome(directory):
    report = json.loads((directory / "report.json").read_text())
    checkpoint = json.loads((directory / "checkpoint.json").read_text())
    history = [(c["pipeline"], c.get("cost"), "error" in c)
               for c in checkpoint["candidates"]]
    return report, history


def test_distributed_run_finds_what_the_serial_run_finds(tmp_path):
    serial = run([PASSGYM, *SEARCH, "--jobs", "2", "-o",
                  str(tmp_path / "serial")])
    assert serial.returncode == 0, serial.stderr
    mpi = run([*MPIRUN, PASSGYM, *SEARCH, "-o", str(tmp_path / "mpi")])
    assert mpi.returncode == 0, mpi.stdout + mpi.stderr

    serial_report, serial_history = outcome(tmp_path / "serial")
    mpi_report, mpi_history = outcome(tmp_path / "mpi")
    for key in ["found", "minimized", "answer", "candidates", "won"]:
        assert mpi_report[key] == serial_report[key], key
    assert len(mpi_history) == len(serial_history) > 60
    assert mpi_history == serial_history

    shared = mpi_report["distributed"]
    assert [r["rank"] for r in shared["ranks"]] == [0, 1, 2]
    assert all(r["host"] for r in shared["ranks"])
    assert shared["ranks"][0]["candidates"] == 0
    assert all(r["candidates"] > 0 for r in shared["ranks"][1:])
    assert sum(r["candidates"] for r in shared["ranks"]) == shared["tasks"]
    assert shared["tasks"] == len(mpi_history)
    assert shared["task_bytes"] > 0 and shared["result_bytes"] > 0
    assert "distributed" not in serial_report
    # Every candidate says which rank's host evaluated it.
    hosts = {r["host"] for r in shared["ranks"][1:]}
    checkpoint = json.loads((tmp_path / "mpi" / "checkpoint.json").read_text())
    assert all(c["host"] in hosts for c in checkpoint["candidates"])
    serial = json.loads((tmp_path / "serial" / "checkpoint.json").read_text())
    assert all("host" not in c for c in serial["candidates"])


def rank_pid(mpirun, rank):
    """The pid of `rank` among mpirun's children, once it has started."""
    for _ in range(200):
        for child in Path(f"/proc/{mpirun.pid}/task/{mpirun.pid}/children") \
                .read_text().split():
            try:
                environ = Path(f"/proc/{child}/environ").read_bytes()
            except OSError:
                continue
            if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ.split(b"\0"):
                return int(child)
        time.sleep(0.1)
    pytest.fail(f"rank {rank} did not start")


def start_long_search(extra_mpirun_args, directory):
    """Starts a long search and returns mpirun once the search has run for a
    while: checkpoint.json is written 5 s into the search. The search is
    bounded by time, not candidates: an idle machine evaluated 400
    candidates before the 5 s were up, and the job had ended when the rank
    was killed."""
    argv = [*MPIRUN, *extra_mpirun_args, PASSGYM, "optimize",
            "benchmark://builtin-v0/qsort", "--objective", "instcount",
            "--strategy", "random", "--seed", "3", "--budget", "30s",
            "--isolation", "in-process", "-o", str(directory)]
    mpirun = subprocess.Popen(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    rank_pid(mpirun, 1)
    for _ in range(600):
        if (directory / "checkpoint.json").exists():
            break
        time.sleep(0.1)
    return mpirun


def kill_rank_during_search(extra_mpirun_args, directory):
    """Kills rank 1 with SIGKILL during a long search; mpirun's (exit code,
    output)."""
    mpirun = start_long_search(extra_mpirun_args, directory)
    os.kill(rank_pid(mpirun, 1), signal.SIGKILL)
    output, _ = mpirun.communicate(timeout=300)
    return mpirun.returncode, output


def has_ended(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def hang_rank_during_search(extra_mpirun_args, directory):
    """Stops rank 1 with SIGSTOP during a long search, so that it holds its
    task for ever (or is sent one that it never takes); once rank 0 has
    ended, kills it so that mpirun can end. mpirun's (exit code, output)."""
    mpirun = start_long_search(extra_mpirun_args, directory)
    coordinator, hung = rank_pid(mpirun, 0), rank_pid(mpirun, 1)
    os.kill(hung, signal.SIGSTOP)
    for _ in range(3000):
        if has_ended(coordinator):
            break
        time.sleep(0.1)
    os.kill(hung, signal.SIGKILL)
    output, _ = mpirun.communicate(timeout=300)
    return mpirun.returncode, output


def test_a_killed_rank_ends_the_job_without_a_report(tmp_path):
    # Open MPI's default: one rank's death ends every rank, rank 0 included.
    code, output = kill_rank_during_search([], tmp_path / "out")
    assert code != 0, output
    assert "rank 1" in output and "signal 9" in output, output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "report.json" not in written and "pipeline.txt" not in written, \
        written
    assert all(not name.startswith(("report", "pipeline", "program"))
               for name in written), written
    checkpoint = json.loads((tmp_path / "out" / "checkpoint.json").read_text())
    assert len(checkpoint["candidates"]) > 5

    # The checkpoint is where a new run starts: nothing in it is evaluated
    # again (the baselines aside).
    resumed = run([PASSGYM, "optimize", "benchmark://builtin-v0/qsort",
                   "--objective", "instcount", "--strategy", "random",
                   "--candidates", "10", "--isolation", "in-process",
                   "--resume", "-o", str(tmp_path / "out")])
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    pipelines = {json.dumps(c["pipeline"]) for c in checkpoint["candidates"]}
    assert report["candidates"]["resumed"] == \
        len(pipelines) - len(report["baselines"])


def recovered_report(code, output, directory):
    assert code == 0, output
    report = json.loads((directory / "report.json").read_text())
    shared = report["distributed"]
    assert shared["ranks"][1]["lost"] is True
    assert shared["ranks"][2]["lost"] is False
    # Rank 1 was lost about 5 s into the 30 s search; rank 2 went on.
    assert shared["ranks"][2]["candidates"] > shared["ranks"][1]["candidates"]
    return shared


def test_with_recovery_a_killed_rank_leaves_the_job_running(tmp_path):
    # mpirun --enable-recovery lets the job go on without the dead rank. Its
    # task, if it held one, went to rank 2; killed between tasks it held none.
    code, output = kill_rank_during_search(["--enable-recovery"],
                                           tmp_path / "out")
    shared = recovered_report(code, output, tmp_path / "out")
    assert shared["reissued"] <= 1


def test_with_recovery_a_hung_ranks_candidate_goes_elsewhere(tmp_path):
    # A stopped rank takes no message: the small task sent to it is either
    # buffered, and not answered, or not taken at all. Either way, once late,
    # the task goes to rank 2.
    code, output = hang_rank_during_search(["--enable-recovery"],
                                           tmp_path / "out")
    shared = recovered_report(code, output, tmp_path / "out")
    assert shared["reissued"] == 1
