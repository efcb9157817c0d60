#!/usr/bin/env bash
# An installed Python package finds passgym's data and worker relative to
# itself: install the build tree into a prefix, move the prefix, and run an
# episode (in-process and in a worker) from there, with nothing of the build
# tree on the path.
# Usage: install_test.sh BUILD_DIR PYTHON SITE_DIR (SITE_DIR: below the prefix)
set -euo pipefail
build=$1 python=$2 site=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved"
cd /
env -u PASSGYM_DATA_DIR -u PASSGYM_WORKER PYTHONPATH="$work/moved/$site" "$python" - "$work/moved" <<'PY'
import sys
import passgym
assert passgym.__file__.startswith(sys.argv[1]), passgym.__file__
for isolation in ["in-process", "worker"]:
    with passgym.make("llvm-v0", benchmark="benchmark://builtin-v0/crc32", isolation=isolation) as env:
        env.reset()
        _, reward, terminated, _, _ = env.step("sroa")
        assert reward > 0 and not terminated, (isolation, reward)
print("installed package:", passgym.__file__)
PY
echo "python install test passed"
