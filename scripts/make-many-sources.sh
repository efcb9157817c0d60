#!/usr/bin/env bash
# Writes a runnable program of many C sources and a manifest for it, the
# shape of cBench's largest program (288 sources), for measuring how long a
# manifest entry takes to load cold and warm (docs/benchmarks.md):
#   bash scripts/make-many-sources.sh DIR [SOURCES]
# gives DIR/manifest.json with one entry, manifest:DIR#many.
set -euo pipefail
dir=${1:?usage: make-many-sources.sh DIR [SOURCES]}
count=${2:-288}
mkdir -p "$dir/src"
: > "$dir/src/parts.h"
for ((i = 0; i < count; ++i)); do
  echo "unsigned part_$i(unsigned seed);" >> "$dir/src/parts.h"
  cat > "$dir/src/part_$i.c" <<C
#include "parts.h"
#include <string.h>

static unsigned table_$i[64];

static unsigned mix_$i(unsigned x) {
  x ^= x >> 13;
  x *= 0x5bd1e995u + $i;
  return x ^ (x >> 15);
}

static void fill_$i(unsigned seed) {
  for (int k = 0; k < 64; ++k)
    table_$i[k] = mix_$i(seed + (unsigned)k);
}

unsigned part_$i(unsigned seed) {
  unsigned sum = 0;
  fill_$i(seed);
  for (int round = 0; round < 4; ++round)
    for (int k = 0; k < 64; ++k)
      sum += (table_$i[k] >> (round + 1)) ^ (unsigned)k;
  char text[32];
  memset(text, 'a' + $i % 26, sizeof text);
  return sum + (unsigned)text[$i % 32];
}
C
done
{
  echo '#include "parts.h"'
  echo '#include <stdio.h>'
  echo 'int main(void) {'
  echo '  unsigned total = 0;'
  for ((i = 0; i < count; ++i)); do echo "  total += part_$i(total);"; done
  echo '  printf("%u\n", total);'
  echo '  return 0;'
  echo '}'
} > "$dir/src/main.c"
{
  echo '{"name": "many-sources", "benchmarks": [{"name": "many", "sources": ['
  echo -n '  "src/main.c"'
  for ((i = 0; i < count; ++i)); do echo -n ", \"src/part_$i.c\""; done
  echo
  echo ']}]}'
} > "$dir/manifest.json"
echo "manifest:$dir#many ($((count + 1)) sources)"
