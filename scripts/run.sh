#!/usr/bin/env bash
# Quick start (a): installs the dependencies, builds passgym, and runs the main
# job on the built-in default: a random search for a pass sequence that makes
# benchmark://builtin-v0/qsort smaller than -Oz. Extra arguments go to
# `passgym search` (e.g. --time 60, or another program).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/passgym search "$@"
