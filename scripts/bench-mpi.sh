#!/usr/bin/env bash
# Candidates/s of `passgym optimize` with 1 (no MPI), 2 and 3 MPI ranks, and
# what the messages cost per candidate (docs/mpi.md, docs/benchmarks.md).
# Rank 0 only searches, so N ranks evaluate on N-1; beyond the machine's
# cores mpirun must oversubscribe, and the table says so.
#   usage: scripts/bench-mpi.sh [BUILD_DIR] [OBJECTIVE] [CANDIDATES] [BENCHMARK]
set -euo pipefail
build=${1:-build}
objective=${2:-instcount}
candidates=${3:-400}
benchmark=${4:-benchmark://builtin-v0/qsort}
passgym=$(realpath "$build/passgym")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cores=$(nproc)
search=(optimize "$benchmark" --objective "$objective" --strategy random
        --seed 1 --candidates "$candidates" --budget 1h)

echo "passgym optimize $benchmark --objective $objective --strategy random --candidates $candidates; $cores cores"
printf '%-6s %-10s %-14s %8s %12s %14s %14s %14s\n' ranks evaluators oversubscribed \
  "cand/s" "s/candidate" "comm ms/task" "bytes/task" "bytes/result"
for ranks in 1 2 3; do
  if [ "$ranks" = 1 ]; then
    "$passgym" "${search[@]}" --jobs 1 -o "$out/$ranks" > /dev/null 2>&1
  else
    mpirun --oversubscribe --allow-run-as-root -np "$ranks" \
      "$passgym" "${search[@]}" -o "$out/$ranks" > /dev/null 2>&1
  fi
  python3 - "$out/$ranks/report.json" "$ranks" "$cores" "$candidates" <<'PY'
import json, sys
report, ranks, cores, candidates = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = json.load(open(report))
rate = candidates / r["seconds"]["search"]
d = r.get("distributed")
evaluators = ranks - 1 if d else 1
over = "yes" if ranks > cores else "no"
if d:
    tasks = d["tasks"]
    busy = sum(x["seconds"] for x in d["ranks"]) / max(sum(x["candidates"] for x in d["ranks"]), 1)
    comm = f'{1000 * d["communication_seconds"] / tasks:.2f}'
    tb, rb = f'{d["task_bytes"] / tasks:.0f}', f'{d["result_bytes"] / tasks:.0f}'
    per = f"{busy:.4f}"
else:
    comm = tb = rb = "-"
    per = f"{1 / rate:.4f}"
print(f"{ranks:<6} {evaluators:<10} {over:<14} {rate:8.1f} {per:>12} {comm:>14} {tb:>14} {rb:>14}")
PY
done
