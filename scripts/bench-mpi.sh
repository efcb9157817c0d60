#!/usr/bin/env bash
# Candidates/s of `passgym optimize` with 1 (no MPI), 2 and 3 MPI ranks, and
# what the messages cost per candidate (docs/mpi.md, docs/benchmarks.md).
# Rank 0 only searches, so N ranks evaluate on N-1; beyond the machine's
# cores mpirun must oversubscribe, and the table says so.
#   usage: scripts/bench-mpi.sh [BUILD_DIR] [OBJECTIVE] [CANDIDATES] [BENCHMARK]
# With `train` first: rollout steps/s of `passgym train --agent random` (the
# environments' side alone: no network) with 1, 2 and 3 environments in
# threads and on 1, 2 and 3 MPI ranks (one environment each, rank 0
# learning), and the bytes and communication time per environment step.
#   usage: scripts/bench-mpi.sh train [BUILD_DIR] [STEPS] [DATASET]
# With `placement` first: rollout steps/s of `mpirun -np 3 passgym train
# --agent random --envs 4` when rank 2 runs at half speed (ranks 1 and 2
# pinned to CPUs 0 and 1, a busy loop pinned to CPU 1 beside rank 2), with
# environments placed by speed (the default) and fixed (--fixed-placement),
# RUNS times each, alternating; and how many steps each rank answered.
#   usage: scripts/bench-mpi.sh placement [BUILD_DIR] [STEPS] [RUNS] [DATASET]
set -euo pipefail
if [ "${1:-}" = placement ]; then
  build=${2:-build}
  steps=${3:-960}
  runs=${4:-3}
  dataset=${5:-builtin-v0:train}
  passgym=$(realpath "$build/passgym")
  out=$(mktemp -d)
  taskset -c 1 sh -c 'while :; do :; done' &
  hog=$!
  trap 'kill $hog; rm -rf "$out"' EXIT
  train=(train --agent random --dataset "$dataset" --seed 1 --steps "$steps"
         --iteration-steps 48 --episode-length 30 --envs 4)
  echo "mpirun -np 3 passgym ${train[*]}; rank 1 on CPU 0, rank 2 on CPU 1 beside a busy loop"
  printf '%-10s %4s %8s  %s\n' placement run "steps/s" "steps and starts by rank; rank speeds"
  for run in $(seq "$runs"); do
    for placement in balanced fixed; do
      extra=()
      [ "$placement" = fixed ] && extra=(--fixed-placement)
      mpirun --oversubscribe --allow-run-as-root -np 1 taskset -c 0 "$passgym" "${train[@]}" "${extra[@]}" -o "$out/$placement$run" : \
        -np 1 taskset -c 0 "$passgym" "${train[@]}" "${extra[@]}" -o "$out/$placement$run" : \
        -np 1 taskset -c 1 "$passgym" "${train[@]}" "${extra[@]}" -o "$out/$placement$run" \
        > "$out/$placement$run.txt" 2>&1
      python3 - "$out/$placement$run" "$placement" "$run" <<'PY'
import csv, re, statistics, sys
run, placement, n = sys.argv[1:]
rates = [float(r["steps_per_second"]) for r in csv.DictReader(open(run + "/metrics.csv"))]
text = open(run + ".txt").read()
by_rank = re.search(r"steps and starts by rank\s+(.*)", text).group(1)
speed = re.search(r"us per unit stepped\s+(.*)", text).group(1)
print(f"{placement:<10} {n:>4} {statistics.median(rates):8.1f}  {by_rank}; us per unit: {speed}")
PY
    done
  done
  exit 0
fi
if [ "${1:-}" = train ]; then
  build=${2:-build}
  steps=${3:-480}
  dataset=${4:-builtin-v0:train}
  passgym=$(realpath "$build/passgym")
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  cores=$(nproc)
  # 48 steps an iteration: a multiple of 1, 2 and 3 environments.
  train=(train --agent random --dataset "$dataset" --seed 1 --steps "$steps"
         --iteration-steps 48 --episode-length 30)
  echo "passgym train ${train[*]:1}; $cores cores; steps/s: median of the iterations"
  printf '%-22s %-9s %-14s %8s %14s %14s %16s\n' where processes oversubscribed \
    "steps/s" "bytes out/step" "bytes back/step" "comm ms/step"
  for envs in 1 2 3; do
    for where in threads ranks; do
      if [ "$where" = threads ]; then
        processes=1
        "$passgym" "${train[@]}" --envs "$envs" -o "$out/t$envs" > "$out/t$envs.txt" 2>&1
        run=$out/t$envs
      else
        processes=$((envs + 1))
        mpirun --oversubscribe --allow-run-as-root -np "$processes" \
          "$passgym" "${train[@]}" -o "$out/r$envs" > "$out/r$envs.txt" 2>&1
        run=$out/r$envs
      fi
      python3 - "$run" "$where" "$envs" "$processes" "$cores" <<'PY'
import csv, re, statistics, sys
run, where, envs, processes, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rates = [float(r["steps_per_second"]) for r in csv.DictReader(open(run + "/metrics.csv"))]
text = open(run + ".txt").read()
def field(name):
    m = re.search(name + r"\s+([0-9.]+)", text)
    return m.group(1) if m else "-"
over = "yes" if max(processes, envs) > cores else "no"
label = f"{envs} env{'s' if envs > 1 else ''} in " + ("threads" if where == "threads" else f"{envs} rank{'s' if envs > 1 else ''}")
print(f"{label:<22} {processes:<9} {over:<14} {statistics.median(rates):8.1f} {field('bytes out per step'):>14} {field('bytes back per step'):>14} {field('communication per step'):>16}")
PY
    done
  done
  exit 0
fi
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
