"""Tests of scripts/plot-learning.py, run as a subprocess on small metrics
files written here with the columns `passgym train` writes (the PPO and SAC
headers are read from tests/data/unchanged/, which the learning tests compare
with real runs). CTest runs them as `plot_learning` with Debian's python3."""

import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "plot-learning.py"
UNCHANGED = ROOT / "tests" / "data" / "unchanged"


def header(name):
    with open(UNCHANGED / name, encoding="utf-8") as f:
        return f.readline().strip().split(",")


PPO = header("train-ppo.csv")
SAC = header("train-sac.csv")
RANDOM = ["iteration", "global_step", "episodes", "mean_episode_return",
          "steps_per_second"]


def test_real_headers_have_the_default_columns():
    for columns in (PPO, SAC, RANDOM):
        for name in ("iteration", "global_step", "episodes",
                     "mean_episode_return"):
            assert name in columns


def rows_of(columns, returns, episodes=None, steps=256, iterations=None):
    """Rows with the given mean returns (None: no episode ended, nan)."""
    iterations = iterations or list(range(len(returns)))
    rows = []
    for i, (it, ret) in enumerate(zip(iterations, returns)):
        row = {name: 0.5 for name in columns}
        row["iteration"] = it
        row["global_step"] = (it + 1) * steps
        row["episodes"] = episodes[i] if episodes else (0 if ret is None else 10)
        row["mean_episode_return"] = math.nan if ret is None else ret
        rows.append(row)
    return rows


def cell(value):
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return f"{value:g}" if isinstance(value, float) else str(value)


def write_csv(directory, columns, rows):
    directory.mkdir(parents=True, exist_ok=True)
    lines = [",".join(columns)]
    lines += [",".join(cell(row[c]) for c in columns) for row in rows]
    (directory / "metrics.csv").write_text("\n".join(lines) + "\n")
    return directory


def write_jsonl(directory, columns, rows):
    directory.mkdir(parents=True, exist_ok=True)
    text = ""
    for row in rows:
        record = {c: (None if isinstance(row[c], float) and math.isnan(row[c])
                      else row[c]) for c in columns}
        text += json.dumps(record) + "\n"
    (directory / "metrics.jsonl").write_text(text)
    return directory


def plot(*args, cwd=None):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def dump(path):
    return json.loads(Path(path).read_text())


def assert_close(actual, expected):
    assert actual == pytest.approx(expected, abs=1e-9)


def only_files(directory):
    return sorted(p.name for p in Path(directory).iterdir() if p.is_file())


def test_png_has_the_requested_size(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1, 0.3, 0.2]))
    out = tmp_path / "curve.png"
    r = plot(run, "-o", out, "--size", "640x480", "--title", "PPO")
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout
    assert png_size(out) == (640, 480)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image
    assert matplotlib.image.imread(str(out)).shape[:2] == (480, 640)
    # Written through a temporary file that is gone.
    assert only_files(tmp_path) == ["curve.png"]


def test_two_runs_with_one_label_are_a_mean_with_a_min_max_band(tmp_path):
    # Seed 2 ended no episode in its second iteration: its nan is left out.
    a = write_csv(tmp_path / "a", PPO, rows_of(PPO, [0.1, 0.4, 0.8]))
    b = write_csv(tmp_path / "b", PPO, rows_of(PPO, [0.3, None, 1.0]))
    out, series = tmp_path / "c.png", tmp_path / "c.json"
    r = plot(a, b, "--label", "ppo", "ppo", "-o", out, "--dump-json", series)
    assert r.returncode == 0, r.stderr
    assert png_size(out) == (1000, 600)
    d = dump(series)
    assert d["metric"] == "mean_episode_return"
    assert d["x"] == "global_step"  # environment steps, not iterations
    assert len(d["curves"]) == 1
    c = d["curves"][0]
    assert c["label"] == "ppo" and c["band"] is True and len(c["runs"]) == 2
    assert c["x"] == [256, 512, 768]
    assert_close(c["mean"], [0.2, 0.4, 0.9])
    assert_close(c["min"], [0.1, 0.4, 0.8])
    assert_close(c["max"], [0.3, 0.4, 1.0])
    assert d["baselines"] == [] and d["hlines"] == []


def test_different_labels_are_separate_lines_without_band(tmp_path):
    a = write_csv(tmp_path / "a", PPO, rows_of(PPO, [0.1, 0.4]))
    b = write_csv(tmp_path / "b", SAC, rows_of(SAC, [0.3, 0.5]))
    series = tmp_path / "c.json"
    r = plot(a, b, "--label", "ppo", "sac", "-o", tmp_path / "c.png",
             "--dump-json", series)
    assert r.returncode == 0, r.stderr
    curves = dump(series)["curves"]
    assert [c["label"] for c in curves] == ["ppo", "sac"]
    assert [c["band"] for c in curves] == [False, False]
    assert_close(curves[1]["mean"], [0.3, 0.5])
    assert curves[1]["min"] == curves[1]["mean"] == curves[1]["max"]


def test_jsonl_gives_the_same_series_as_csv(tmp_path):
    rows_a = rows_of(SAC, [0.1, 0.4, 0.8])
    rows_b = rows_of(SAC, [0.3, None, 1.0])
    csv_a = write_csv(tmp_path / "csv-a", SAC, rows_a)
    csv_b = write_csv(tmp_path / "csv-b", SAC, rows_b)
    js_a = write_jsonl(tmp_path / "js-a", SAC, rows_a)
    js_b = write_jsonl(tmp_path / "js-b", SAC, rows_b)
    for name, runs in (("csv", (csv_a, csv_b)), ("js", (js_a, js_b))):
        r = plot(*runs, "--label", "sac", "sac", "-o", tmp_path / f"{name}.png",
                 "--dump-json", tmp_path / f"{name}.json")
        assert r.returncode == 0, r.stderr
    from_csv = dump(tmp_path / "csv.json")["curves"][0]
    from_jsonl = dump(tmp_path / "js.json")["curves"][0]
    for key in ("x", "mean", "min", "max"):
        assert_close(from_jsonl[key], from_csv[key])
    assert_close(from_jsonl["mean"], [0.2, 0.4, 0.9])


def test_group_by_seed_suffix_baseline_and_reference_line(tmp_path):
    for seed, returns in ((1, [0.2, 0.6]), (2, [0.4, 0.8])):
        write_csv(tmp_path / f"ppo-seed{seed}", PPO, rows_of(PPO, returns))
    # The random policy's mean is over its episodes: rows weighted by them.
    write_csv(tmp_path / "random-seed1", RANDOM,
              rows_of(RANDOM, [0.2, 0.4], episodes=[10, 30]))
    write_jsonl(tmp_path / "random-seed2", RANDOM,
                rows_of(RANDOM, [0.1, None], episodes=[20, 0]))
    runs = sorted(tmp_path.glob("*-seed*"))
    series = tmp_path / "g.json"
    r = plot(*runs, "--group", "--baseline", "random", "--hline", "1:-Oz",
             "-o", tmp_path / "g.png", "--dump-json", series)
    assert r.returncode == 0, r.stderr
    d = dump(series)
    assert [c["label"] for c in d["curves"]] == ["ppo"]
    assert_close(d["curves"][0]["mean"], [0.3, 0.7])
    assert [b["label"] for b in d["baselines"]] == ["random"]
    assert_close(d["baselines"][0]["value"],
                 (0.2 * 10 + 0.4 * 30 + 0.1 * 20) / 60)
    assert d["hlines"] == [{"label": "-Oz", "value": 1.0}]


def test_other_metric_and_x_column(tmp_path):
    rows = rows_of(SAC, [0.1, 0.2, 0.3])
    for i, row in enumerate(rows):
        row["alpha"] = 0.2 - 0.01 * i
    run = write_csv(tmp_path / "sac", SAC, rows)
    series = tmp_path / "a.json"
    r = plot(run, "--metric", "alpha", "--x", "iteration", "-o",
             tmp_path / "a.svg", "--dump-json", series)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    c = dump(series)["curves"][0]
    assert c["x"] == [0, 1, 2]
    assert_close(c["mean"], [0.2, 0.19, 0.18])


def test_x_is_the_iteration_without_global_step(tmp_path):
    columns = ["iteration", "mean_episode_return"]
    run = write_csv(tmp_path / "r", columns, rows_of(columns, [0.5, 0.6]))
    series = tmp_path / "r.json"
    r = plot(run, "-o", tmp_path / "r.png", "--dump-json", series)
    assert r.returncode == 0, r.stderr
    assert dump(series)["x"] == "iteration"


def test_resumed_run_repeating_iterations_keeps_the_last_rows(tmp_path):
    # Interrupted after iteration 2, resumed from the checkpoint of iteration 1.
    rows = rows_of(PPO, [0.1, 0.2, 0.3, 0.25, 0.35, 0.5],
                   iterations=[0, 1, 2, 1, 2, 3])
    run = write_csv(tmp_path / "ppo", PPO, rows)
    series = tmp_path / "p.json"
    r = plot(run, "-o", tmp_path / "p.png", "--dump-json", series)
    assert r.returncode == 0, r.stderr
    c = dump(series)["curves"][0]
    assert c["x"] == [256, 512, 768, 1024]
    assert_close(c["mean"], [0.1, 0.25, 0.35, 0.5])


def test_runs_of_unequal_length_share_their_common_x(tmp_path):
    a = write_csv(tmp_path / "a", PPO, rows_of(PPO, [0.1, 0.2, 0.3]))
    b = write_csv(tmp_path / "b", PPO, rows_of(PPO, [0.3, 0.4]))
    series = tmp_path / "u.json"
    r = plot(a, b, "--label", "ppo", "ppo", "-o", tmp_path / "u.png",
             "--dump-json", series)
    assert r.returncode == 0, r.stderr
    assert "left out" in r.stderr
    c = dump(series)["curves"][0]
    assert c["x"] == [256, 512]
    assert_close(c["mean"], [0.2, 0.3])


def test_unfinished_last_row_is_ignored(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1, 0.2]))
    with open(run / "metrics.csv", "a") as f:
        f.write("2,768,10,0.")  # a run killed while writing its row
    series = tmp_path / "p.json"
    r = plot(run, "-o", tmp_path / "p.png", "--dump-json", series)
    assert r.returncode == 0, r.stderr
    assert "unfinished last row" in r.stderr
    assert dump(series)["curves"][0]["x"] == [256, 512]


def assert_error(result, message, exit_code=1):
    assert result.returncode == exit_code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("plot-learning.py: error: ")
    assert message in lines[0], lines[0]


def test_missing_directory(tmp_path):
    r = plot(tmp_path / "nowhere", "-o", tmp_path / "x.png")
    assert_error(r, "does not exist")
    assert not (tmp_path / "x.png").exists()


def test_directory_without_metrics(tmp_path):
    (tmp_path / "run").mkdir()
    r = plot(tmp_path / "run", "-o", tmp_path / "x.png")
    assert_error(r, "no metrics.csv or metrics.jsonl in")


def test_unknown_column_lists_the_available_ones(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1]))
    r = plot(run, "--metric", "reward", "-o", tmp_path / "x.png")
    assert_error(r, "unknown column 'reward'")
    assert "available: " + ", ".join(PPO) in r.stderr
    r = plot(run, "--x", "step", "-o", tmp_path / "x.png")
    assert_error(r, "unknown column 'step'")


def test_empty_metrics(tmp_path):
    header_only = tmp_path / "header"
    write_csv(header_only, PPO, [])
    empty_file = tmp_path / "empty"
    empty_file.mkdir()
    (empty_file / "metrics.jsonl").write_text("")
    for run in (header_only, empty_file):
        r = plot(run, "-o", tmp_path / "x.png")
        assert_error(r, "has no metrics rows")
    assert only_files(tmp_path) == []


def test_only_nan_values(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [None, None]))
    assert_error(plot(run, "-o", tmp_path / "x.png"), "only nan")


def test_label_count_must_match_the_runs(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1]))
    r = plot(run, "--label", "a", "b", "-o", tmp_path / "x.png")
    assert_error(r, "2 label(s) for 1 run(s)")


def test_unknown_baseline_label(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1]))
    r = plot(run, "--baseline", "random", "-o", tmp_path / "x.png")
    assert_error(r, "--baseline 'random' is not a label")


def test_bad_arguments_are_one_line_too(tmp_path):
    assert_error(plot(tmp_path), "required", exit_code=2)


def test_unknown_format_leaves_nothing_behind(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1]))
    r = plot(run, "-o", tmp_path / "x.nothing")
    assert_error(r, "cannot tell the image format")
    assert only_files(tmp_path) == []


def test_existing_output_is_kept_without_force(tmp_path):
    run = write_csv(tmp_path / "ppo", PPO, rows_of(PPO, [0.1, 0.2]))
    out = tmp_path / "x.png"
    out.write_bytes(b"not mine")
    r = plot(run, "-o", out)
    assert_error(r, "exists: pass --force")
    assert out.read_bytes() == b"not mine"
    series = tmp_path / "x.json"
    series.write_text("keep")
    r = plot(run, "-o", tmp_path / "y.png", "--dump-json", series)
    assert_error(r, "exists: pass --force")
    assert series.read_text() == "keep"
    assert not (tmp_path / "y.png").exists()

    r = plot(run, "-o", out, "--force", "--size", "320x200")
    assert r.returncode == 0, r.stderr
    assert png_size(out) == (320, 200)
    assert only_files(tmp_path) == ["x.json", "x.png"]
    # Permissions as a plain file would get, not the temporary's 0600.
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_help():
    r = plot("--help")
    assert r.returncode == 0
    for text in ("RUN_DIR", "--metric", "--label", "--group", "--baseline",
                 "--force", "--dump-json", "min-max band"):
        assert text in r.stdout
