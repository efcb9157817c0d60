#!/usr/bin/env bash
# Quick start (a): installs the dependencies, builds passgym, and runs the main
# job on the built-in default: `passgym optimize` looks for a pass pipeline
# that makes benchmark://builtin-v0/qsort faster than clang -O3, for 60 s of
# search, and writes its report into a new directory under runs/. Arguments
# replace the defaults after the program (e.g. `--budget 10m`), or name
# another program first: `bash scripts/run.sh prog.c --objective size`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
program=benchmark://builtin-v0/qsort
if (($# > 0)) && [[ $1 != -* ]]; then
  program=$1
  shift
fi
(($# > 0)) || set -- --budget 60s
output=runs/optimize-$(date +%Y%m%d-%H%M%S)
exec ./build/passgym optimize "$program" -o "$output" "$@"
