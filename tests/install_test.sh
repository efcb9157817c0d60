#!/usr/bin/env bash
# An installed passgym finds its data relative to itself: install the build
# tree into a prefix, move the prefix, and use a built-in program from there;
# PASSGYM_DATA_DIR overrides the search, and missing data is one clear error.
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved"
passgym="$work/moved/bin/passgym"

count=$(cd / && "$passgym" observe benchmark://builtin-v0/crc32 -s IrInstructionCountO0)
[[ "$count" =~ ^[0-9]+$ && "$count" -gt 100 ]] || { echo "unexpected count: '$count'"; exit 1; }
echo "moved install: crc32 has $count instructions"

expect_error() { # EXPECTED_TEXT COMMAND...
  local want=$1; shift
  if out=$("$@" 2>&1); then echo "expected a failure from: $*"; exit 1; fi
  [[ "$out" == *"$want"* ]] || { echo "expected '$want' in: $out"; exit 1; }
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "expected one line: $out"; exit 1; }
}
expect_error "PASSGYM_DATA_DIR names '$work/none'" \
  env PASSGYM_DATA_DIR="$work/none" "$passgym" observe benchmark://builtin-v0/crc32
cp -r "$work/moved/share/passgym" "$work/data"
env PASSGYM_DATA_DIR="$work/data" "$passgym" datasets | grep -q '^builtin-v0 .* 26 ' \
  || { echo "PASSGYM_DATA_DIR was not used"; exit 1; }
rm -rf "$work/moved/share"
expect_error "cannot find passgym's data" "$passgym" observe benchmark://builtin-v0/crc32
echo "install test passed"
