#!/usr/bin/python3
"""Per-program speed-ups against -O3 from `passgym eval` runs: for each run
directory's eval.json, the median of the interleaved pairs (-O3 / policy)
with its 95% interval, one marker per run, programs along the x axis.

    scripts/plot-paired.py RUN_DIR... -o paired.png [--title TEXT]
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def short(uri):
    return uri.rsplit("/", 1)[-1] if "builtin" in uri else uri.replace(
        "generator://", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="directories with eval.json")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--title", default="speed-up against -O3 (paired)")
    args = parser.parse_args()
    results = []
    for run in args.runs:
        try:
            with open(run + "/eval.json") as f:
                results.append((run.rstrip("/").rsplit("/", 1)[-1], json.load(f)))
        except (OSError, ValueError) as e:
            sys.exit("plot-paired.py: %s/eval.json: %s" % (run, e))
    programs = []
    for _, e in results:
        for row in e["benchmarks"]:
            if row.get("paired_vs_o3") and row["benchmark"] not in programs:
                programs.append(row["benchmark"])
    if not programs:
        sys.exit("plot-paired.py: no run has paired measurements "
                 "(eval --pairs 0, or nothing runnable)")
    fig, ax = plt.subplots(figsize=(max(8, 0.6 * len(programs)), 5))
    width = 0.8 / len(results)
    for i, (name, e) in enumerate(results):
        rows = {r["benchmark"]: r["paired_vs_o3"] for r in e["benchmarks"]
                if r.get("paired_vs_o3")}
        xs, ys, lows, highs = [], [], [], []
        for x, program in enumerate(programs):
            if program in rows:
                p = rows[program]
                xs.append(x - 0.4 + width * (i + 0.5))
                ys.append(p["median"])
                lows.append(p["median"] - p["lower"])
                highs.append(p["upper"] - p["median"])
        ax.errorbar(xs, ys, yerr=[lows, highs], fmt="o", capsize=3,
                    label=name)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(programs)))
    ax.set_xticklabels([short(p) for p in programs], rotation=60, ha="right")
    ax.set_ylabel("-O3 time / policy time (median, 95% interval)")
    ax.set_title(args.title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)
    print("wrote %s (%d programs, %d runs)" % (args.output, len(programs),
                                              len(results)))


if __name__ == "__main__":
    main()
