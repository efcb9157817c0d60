#!/usr/bin/env bash
# Installs every build, test and run-time dependency from Debian 12's packages.
# Idempotent; needs root (or sudo) on Debian 12 "bookworm".
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19 llvm-19-dev clang-19 libclang-rt-19-dev   # LLVM 19 library, opt-19/llc-19, clang-19 for C sources and sanitizers
  libclang-19-dev libclang-cpp19-dev               # clang's headers, CMake package and libclang-cpp: sources are compiled and link commands worked out in-process
  zlib1g-dev libzstd-dev libedit-dev libxml2-dev libffi-dev libcurl4-openssl-dev  # what LLVM 19's CMake package links
  libgtest-dev libgmock-dev                        # tests
  libcli11-dev nlohmann-json3-dev libsqlite3-dev   # CLI, JSON, measurement cache
  binutils                                         # `size`, the reference for object text size; gold links measured programs
  csmith libcsmith-dev                             # generated programs and their csmith.h
  libtorch-dev                                     # the learning code (src/learning) only
  libopenblas0-pthread                             # BLAS for libtorch: Debian's default reference BLAS made each graph-network Linear ~20x slower
  python3-dev pybind11-dev python3-pybind11        # the Python package (python/): built with pybind11 for Debian's python3
  python3-numpy python3-pytest                     # its observations as numpy arrays; its tests
  python3-torch python3-networkx                   # the PPO example (examples/python), ProGraML graphs as networkx
  python3-matplotlib                               # scripts/plot-learning.py: learning curves of `passgym train` runs as images
  libopenmpi-dev openmpi-bin                       # optional: `mpirun -np N passgym optimize` evaluates candidates on N-1 ranks (src/distributed, docs/mpi.md)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
