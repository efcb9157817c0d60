#!/usr/bin/python3
# Debian's python3: the interpreter that sees python3-matplotlib
# (scripts/install-deps.sh); a pyenv or virtualenv python3 may not.
"""Learning curves of `passgym train` runs as one image.

Reads each run directory's metrics.csv or metrics.jsonl (one row per
training iteration, written by `passgym train`, docs/learning.md) and draws
one metric against one x column. Runs that share a label (three seeds of one
configuration, say) are drawn as their mean with a shaded band from their
minimum to their maximum at each x value.
"""

import argparse
import json
import math
import os
import re
import sys
import tempfile

PROG = "plot-learning.py"
DEFAULT_METRIC = "mean_episode_return"
DEFAULT_X = ("global_step", "iteration")  # the first one the metrics have
METRICS_FILES = ("metrics.csv", "metrics.jsonl")

EPILOG = """\
what it draws:
  One line per label: a run alone is its own line; runs with the same label
  are drawn as their mean, with a shaded band from their minimum to their
  maximum, at the x values every run of the label has (others are dropped
  with a warning). Rows whose metric is nan or null (an iteration in which no
  episode ended has no mean return) are left out; where some runs of a label
  have a value and others not, the mean is over those that have one. If a
  run has an x value twice (a resumed run appends after its last checkpoint,
  so it can repeat iterations), its last row for that value counts.
  --baseline LABEL draws that label's runs as one dashed horizontal line at
  their mean over all their rows (for mean_episode_return weighted by each
  row's episodes: the mean return of all their episodes) instead of a curve:
  the random policy (`passgym train --agent random`) is the baseline a
  learned policy must beat. --hline VALUE[:NAME] adds a dotted line at a
  fixed value, e.g. 1:-Oz for the instcount reward, where a return of 1.0
  matches -Oz.

examples:
  %(prog)s runs/ppo -o ppo.png
  %(prog)s runs/ppo-seed1 runs/ppo-seed2 runs/sac-seed1 runs/sac-seed2 \\
      --label ppo ppo sac sac -o curves.png
  %(prog)s results/single-*-seed* --group --baseline single-random \\
      --hline 1:-Oz -o curves.png
  %(prog)s runs/sac --metric alpha --x iteration -o alpha.svg

The output's format follows its extension (png, svg, pdf, ...). An existing
output is kept unless --force; the image is written to a temporary file in
the same directory and renamed into place. Errors are one line on stderr and
exit status 1 (2 for wrong arguments).
"""


class Failure(Exception):
    """An error for the user: printed as one line, exit status 1."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        sys.stderr.write(f"{PROG}: error: {message} (see --help)\n")
        sys.exit(2)


def warn(message):
    sys.stderr.write(f"{PROG}: warning: {message}\n")


def parse_args(argv):
    p = Parser(
        prog=PROG,
        description="Draw learning curves (a metric per training iteration) of "
        "one or more `passgym train` run directories into one image.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("runs", nargs="+", metavar="RUN_DIR",
                   help="a `passgym train -o` directory holding metrics.csv or "
                   "metrics.jsonl (or one such file itself)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the image to write; its extension gives the format")
    p.add_argument("--metric", default=DEFAULT_METRIC, metavar="COLUMN",
                   help=f"the column to draw (default: {DEFAULT_METRIC})")
    p.add_argument("--x", metavar="COLUMN",
                   help="the x-axis column (default: global_step, the "
                   "environment steps so far, else iteration)")
    p.add_argument("--label", nargs="+", action="extend", metavar="NAME",
                   help="one label per RUN_DIR, in order (put it after the "
                   "RUN_DIRs); runs with the same label make one line with a "
                   "min-max band (default: each run's directory name)")
    p.add_argument("--group", action="store_true",
                   help="without --label: label each run by its directory name "
                   "without a trailing seed suffix (ppo-seed2 -> ppo), so the "
                   "seeds of one configuration make one line")
    p.add_argument("--baseline", action="append", default=[], metavar="LABEL",
                   help="draw the runs of this label as a dashed horizontal "
                   "line at their mean (repeatable)")
    p.add_argument("--hline", action="append", default=[],
                   metavar="VALUE[:NAME]",
                   help="a dotted reference line at VALUE (repeatable)")
    p.add_argument("--title", metavar="T", help="the image's title")
    p.add_argument("--size", default="1000x600", metavar="WxH",
                   help="image size in pixels at 100 dpi (default: 1000x600)")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUT (and --dump-json's file) if it exists")
    p.add_argument("--dump-json", metavar="FILE",
                   help="also write the plotted series (x, mean, min, max per "
                   "label, baselines, lines) as JSON")
    return p.parse_args(argv)


# --- Reading metrics -------------------------------------------------------


def to_float(text):
    """A CSV cell or JSON value as a float; nan, inf and null become nan."""
    if text is None:
        return math.nan
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else math.nan


def metrics_path(run):
    """The metrics file of a run directory (or the file given itself)."""
    if os.path.isfile(run):
        return run
    if not os.path.exists(run):
        raise Failure(f"'{run}' does not exist")
    if not os.path.isdir(run):
        raise Failure(f"'{run}' is neither a directory nor a file")
    found = [os.path.join(run, name) for name in METRICS_FILES
             if os.path.isfile(os.path.join(run, name))]
    if not found:
        raise Failure(f"no metrics.csv or metrics.jsonl in '{run}' (is it a "
                      "`passgym train` output directory?)")
    if len(found) > 1:
        raise Failure(f"'{run}' has both metrics.csv and metrics.jsonl: pass "
                      "the one to plot as RUN_DIR")
    return found[0]


def read_csv(path, lines):
    """Columns (in order) and rows (dicts of floats) of a metrics.csv."""
    if not lines or not lines[0].strip():
        return [], []
    columns = [c.strip() for c in lines[0].rstrip("\r\n").split(",")]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.rstrip("\r\n").split(",")
        values = [to_float(c.strip()) for c in cells]
        if len(cells) != len(columns) or None in values:
            if number == len(lines) and not line.endswith("\n"):
                # An unfinished last row (a run killed while writing it).
                warn(f"{path}:{number}: ignoring the unfinished last row")
                continue
            raise Failure(f"{path}:{number}: not a metrics row of "
                          f"{len(columns)} numbers")
        rows.append(dict(zip(columns, values)))
    return columns, rows


def read_jsonl(path, lines):
    """Columns (in order of first appearance) and rows of a metrics.jsonl."""
    columns, rows = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
            row = {}
            for name, value in record.items():
                number_value = to_float(value)
                if number_value is None or isinstance(value, bool):
                    raise ValueError(f"'{name}' is not a number")
                row[name] = number_value
        except ValueError as error:
            if number == len(lines) and not line.endswith("\n"):
                warn(f"{path}:{number}: ignoring the unfinished last row")
                continue
            raise Failure(f"{path}:{number}: not a metrics row ({error})")
        for name in row:
            if name not in columns:
                columns.append(name)
        rows.append(row)
    return columns, rows


class Run:
    def __init__(self, run_dir, label):
        self.dir = run_dir
        self.label = label
        self.path = metrics_path(run_dir)
        try:
            with open(self.path, encoding="utf-8") as f:
                lines = f.readlines()
        except (OSError, UnicodeDecodeError) as error:
            raise Failure(f"cannot read '{self.path}': {error}")
        read = read_jsonl if self.path.endswith(".jsonl") else read_csv
        self.columns, self.rows = read(self.path, lines)
        if not self.rows:
            raise Failure(f"'{self.path}' has no metrics rows (has the run "
                          "finished an iteration yet?)")

    def require(self, column):
        if column not in self.columns:
            raise Failure(f"unknown column '{column}' in '{self.path}'; "
                          f"available: {', '.join(self.columns)}")

    def series(self, x, y):
        """{x: y} with the last row for a repeated x; rows without x left out."""
        points = {}
        for row in self.rows:
            xv = row.get(x, math.nan)
            if not math.isnan(xv):
                points[xv] = row.get(y, math.nan)
        return points


# --- Series ----------------------------------------------------------------


SEED_SUFFIX = re.compile(r"[-_.]?seed[-_=]?\d+$", re.IGNORECASE)


def group_label(run_dir):
    name = os.path.basename(os.path.normpath(run_dir))
    if os.path.isfile(run_dir):  # a metrics file: name it by its directory
        name = os.path.basename(os.path.dirname(os.path.abspath(run_dir)))
    stripped = SEED_SUFFIX.sub("", name)
    return stripped or name


def labels_for(args):
    if args.label is not None:
        if args.group:
            raise Failure("--group labels runs by their directory names: "
                          "give either --group or --label")
        if len(args.label) != len(args.runs):
            raise Failure(f"{len(args.label)} label(s) for {len(args.runs)} "
                          "run(s): give one --label per RUN_DIR, in order")
        return list(args.label)
    if args.group:
        return [group_label(run) for run in args.runs]
    names = []
    for run in args.runs:
        name = os.path.normpath(run)
        if os.path.isfile(run):
            name = os.path.dirname(name) or name
        names.append(name)
    return names


def curve(label, runs, x, metric):
    """Mean, min and max over runs at the x values every run has."""
    per_run = [run.series(x, metric) for run in runs]
    common = set(per_run[0])
    for points in per_run[1:]:
        common &= set(points)
    every = set().union(*per_run)
    if not common:
        raise Failure(f"the runs labelled '{label}' share no value of '{x}': "
                      "give them different labels, or try --x iteration")
    if len(common) < len(every):
        warn(f"'{label}': {len(every) - len(common)} values of '{x}' not in "
             "every run of the label are left out")
    xs, means, lows, highs = [], [], [], []
    for xv in sorted(common):
        values = [p[xv] for p in per_run if not math.isnan(p[xv])]
        if not values:
            continue
        xs.append(xv)
        means.append(sum(values) / len(values))
        lows.append(min(values))
        highs.append(max(values))
    if not xs:
        raise Failure(f"'{metric}' has no value (only nan) in the runs "
                      f"labelled '{label}'")
    return {"label": label, "runs": [run.dir for run in runs],
            "band": len(runs) > 1, "x": xs, "mean": means, "min": lows,
            "max": highs}


def baseline(label, runs, metric):
    """The mean of the metric over every row of the runs."""
    weighted = metric == DEFAULT_METRIC
    total = weight = 0.0
    for run in runs:
        for row in run.rows:
            value = row.get(metric, math.nan)
            if math.isnan(value):
                continue
            w = row.get("episodes", 1.0) if weighted else 1.0
            if math.isnan(w):
                continue
            total += value * w
            weight += w
    if weight <= 0:
        raise Failure(f"'{metric}' has no value (only nan) in the runs "
                      f"labelled '{label}'")
    return {"label": label, "runs": [run.dir for run in runs],
            "value": total / weight}


def parse_hline(text):
    value, _, name = text.partition(":")
    number = to_float(value)
    if number is None or math.isnan(number):
        raise Failure(f"--hline '{text}': expected VALUE or VALUE:NAME with a "
                      "finite number")
    return {"label": name or f"{number:g}", "value": number}


def parse_size(text):
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match or not all(16 <= int(v) <= 20000 for v in match.groups()):
        raise Failure(f"--size '{text}': expected WIDTHxHEIGHT in pixels, "
                      "each 16 to 20000")
    return int(match.group(1)), int(match.group(2))


# --- Writing ---------------------------------------------------------------


def check_output(path, force):
    if os.path.isdir(path):
        raise Failure(f"'{path}' is a directory")
    if os.path.lexists(path) and not force:
        raise Failure(f"'{path}' exists: pass --force to overwrite it")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise Failure(f"cannot write '{path}': '{parent}' is not a directory")


def write_atomically(path, write):
    """Calls write(file object) on a temporary file beside path, renames it."""
    parent = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=parent, prefix="." + os.path.basename(path),
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp's 0600 is not what cp gives
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def draw(plt, curves, baselines, hlines, args, x, size):
    width, height = size
    fig, ax = plt.subplots(figsize=(width / 100, height / 100), dpi=100)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, c in enumerate(curves):
        color = colors[i % len(colors)]
        runs = len(c["runs"])
        name = c["label"] + (f" (mean of {runs} runs, min-max)" if runs > 1
                             else "")
        marker = "o" if len(c["x"]) <= 40 else None
        ax.plot(c["x"], c["mean"], color=color, marker=marker, markersize=3,
                label=name)
        if c["band"]:
            ax.fill_between(c["x"], c["min"], c["max"], color=color,
                            alpha=0.2, linewidth=0)
    for i, b in enumerate(baselines):
        color = colors[(len(curves) + i) % len(colors)]
        runs = len(b["runs"])
        ax.axhline(b["value"], color=color, linestyle="--",
                   label=f"{b['label']} (mean of {runs} run"
                   f"{'s' if runs > 1 else ''}: {b['value']:.3g})")
    for h in hlines:
        ax.axhline(h["value"], color="black", linestyle=":", linewidth=1,
                   label=h["label"])
    ax.set_xlabel(x)
    ax.set_ylabel(args.metric)
    if args.title:
        ax.set_title(args.title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def main(argv):
    args = parse_args(argv)
    size = parse_size(args.size)
    hlines = [parse_hline(h) for h in args.hline]
    extension = os.path.splitext(args.output)[1].lower().lstrip(".")
    check_output(args.output, args.force)
    if args.dump_json:
        check_output(args.dump_json, args.force)
        if os.path.abspath(args.dump_json) == os.path.abspath(args.output):
            raise Failure("--dump-json and -o name the same file")

    labels = labels_for(args)
    runs = [Run(run, label) for run, label in zip(args.runs, labels)]
    for run in runs:
        run.require(args.metric)
    x = args.x
    if x is None:
        x = next((c for c in DEFAULT_X if all(c in r.columns for r in runs)),
                 None)
        if x is None:
            raise Failure(f"no '{DEFAULT_X[0]}' or '{DEFAULT_X[1]}' column in "
                          "every run: choose one with --x; available: "
                          f"{', '.join(runs[0].columns)}")
    for run in runs:
        run.require(x)

    order = list(dict.fromkeys(labels))  # labels in order of first appearance
    for name in args.baseline:
        if name not in order:
            raise Failure(f"--baseline '{name}' is not a label of the runs; "
                          f"labels: {', '.join(order)}")
    by_label = {name: [r for r in runs if r.label == name] for name in order}
    curves = [curve(n, by_label[n], x, args.metric) for n in order
              if n not in args.baseline]
    baselines = [baseline(n, by_label[n], args.metric) for n in order
                 if n in args.baseline]

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise Failure(f"{error} for {sys.executable}: install "
                      "python3-matplotlib (scripts/install-deps.sh) and run "
                      "with Debian's /usr/bin/python3")
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if extension not in formats:
        raise Failure(f"cannot tell the image format from '{args.output}': "
                      f"use one of the extensions {', '.join(sorted(formats))}")

    fig = draw(plt, curves, baselines, hlines, args, x, size)
    try:
        write_atomically(args.output,
                         lambda f: fig.savefig(f, format=extension, dpi=100))
    except OSError as error:
        raise Failure(f"cannot write '{args.output}': {error}")
    finally:
        plt.close(fig)
    if args.dump_json:
        dump = {"metric": args.metric, "x": x, "curves": curves,
                "baselines": baselines, "hlines": hlines,
                "size": [size[0], size[1]]}
        text = json.dumps(dump, indent=1) + "\n"
        try:
            write_atomically(args.dump_json,
                             lambda f: f.write(text.encode("utf-8")))
        except OSError as error:
            raise Failure(f"cannot write '{args.dump_json}': {error}")
    shown = len(curves) + len(baselines)
    print(f"wrote {args.output} ({shown} line{'s' if shown != 1 else ''}, "
          f"{args.metric} against {x}, {len(runs)} run"
          f"{'s' if len(runs) != 1 else ''})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as failure:
        sys.stderr.write(f"{PROG}: error: {failure}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
