#!/usr/bin/env bash
# Checks every built-in benchmark program in benchmarks/builtin-v0/*.c:
#   1. builds with UBSan+ASan at -O0 (-Wall -Wextra -Werror) and runs it with
#      the default argument: it must exit 0 without a sanitizer report;
#   2. builds plain at -O0 and -O3: both must exit 0 with identical stdout;
#   3. prints one line per program: name, PASS/FAIL, -O0 run time in ms (a
#      time outside 50-500 ms is noted as a warning, not a failure, since it
#      depends on the machine).
# Usage: check_builtin_programs.sh [OUTPUT_DIR] [NAME...]
#   OUTPUT_DIR  where binaries and outputs go (default or "": a temporary
#               directory, removed at exit). NAME... restricts the check to
#               those programs (file names without .c).
# Environment: CLANG (default clang-19); ASAN_OPTIONS / UBSAN_OPTIONS override
# the defaults (detect_leaks=1; print_stacktrace=1:halt_on_error=1), e.g. set
# ASAN_OPTIONS=detect_leaks=0 where LeakSanitizer cannot run (no ptrace).
# Exits non-zero if any program fails, naming the failures.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src_dir="$script_dir/builtin-v0"
cc="${CLANG:-clang-19}"

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "error: $cc not found (apt-get install -y clang-19 libclang-rt-19-dev)" >&2
    exit 2
fi

out_dir=""
if [[ $# -ge 1 ]]; then
    out_dir="$1"
    shift
fi
if [[ -n "$out_dir" ]]; then
    mkdir -p "$out_dir"
else
    out_dir="$(mktemp -d)"
    trap 'rm -rf "$out_dir"' EXIT
fi

shopt -s nullglob
if [[ $# -ge 1 ]]; then
    sources=()
    for name in "$@"; do
        sources+=("$src_dir/$name.c")
    done
else
    sources=("$src_dir"/*.c)
fi
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "error: no programs found in $src_dir" >&2
    exit 2
fi

common_flags=(-std=c11 -Wall -Wextra -Werror)
san_flags=(-O0 -g -fsanitize=undefined,address -fno-sanitize-recover=all)
failed=()

# run_prog BINARY OUTPREFIX: runs with the default argument, saving stdout,
# stderr and exit code; returns the exit code.
run_prog() {
    local bin="$1" prefix="$2" rc=0
    "$bin" >"$prefix.out" 2>"$prefix.err" || rc=$?
    echo "$rc" >"$prefix.rc"
    return "$rc"
}

# first_diagnostic LOG: the first error/warning/sanitizer line of a log
first_diagnostic() {
    grep -m1 -E 'error|warning|Sanitizer|runtime error' "$1" 2>/dev/null | cut -c1-160 || true
}

printf '%-16s %-6s %10s  %s\n' "program" "result" "O0_ms" "notes"
for src in "${sources[@]}"; do
    name="$(basename "$src" .c)"
    notes=""
    ok=1
    ms="-"
    if [[ ! -f "$src" ]]; then
        ok=0
        notes="missing source"
    fi

    # 1. sanitizer build and run
    if [[ $ok -eq 1 ]]; then
        if ! "$cc" "${common_flags[@]}" "${san_flags[@]}" -o "$out_dir/$name.san" "$src" \
                2>"$out_dir/$name.san.build.log"; then
            ok=0
            notes="sanitizer build failed: $(first_diagnostic "$out_dir/$name.san.build.log")"
        elif ! ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
                UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
                run_prog "$out_dir/$name.san" "$out_dir/$name.san"; then
            ok=0
            notes="sanitizer run exited $(cat "$out_dir/$name.san.rc"): $(first_diagnostic "$out_dir/$name.san.err")"
        elif grep -qE 'runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer' \
                "$out_dir/$name.san.err"; then
            ok=0
            notes="sanitizer report: $(first_diagnostic "$out_dir/$name.san.err")"
        fi
    fi

    # 2. plain -O0 and -O3 builds, identical output
    if [[ $ok -eq 1 ]]; then
        for opt in O0 O3; do
            if ! "$cc" "${common_flags[@]}" "-$opt" -o "$out_dir/$name.$opt" "$src" \
                    2>"$out_dir/$name.$opt.build.log"; then
                ok=0
                notes="-$opt build failed: $(first_diagnostic "$out_dir/$name.$opt.build.log")"
                break
            fi
        done
    fi
    if [[ $ok -eq 1 ]]; then
        t0=$(date +%s%N)
        rc0=0
        run_prog "$out_dir/$name.O0" "$out_dir/$name.O0" || rc0=$?
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        rc3=0
        run_prog "$out_dir/$name.O3" "$out_dir/$name.O3" || rc3=$?
        if [[ $rc0 -ne 0 || $rc3 -ne 0 ]]; then
            ok=0
            notes="exit codes O0=$rc0 O3=$rc3"
        elif ! cmp -s "$out_dir/$name.O0.out" "$out_dir/$name.O3.out"; then
            ok=0
            notes="-O0 and -O3 outputs differ"
        elif ! grep -q '^checksum: ' "$out_dir/$name.O0.out"; then
            ok=0
            notes="no 'checksum:' line"
        elif ! cmp -s "$out_dir/$name.O0.out" "$out_dir/$name.san.out"; then
            ok=0
            notes="sanitizer build output differs from -O0"
        fi
        if [[ $ok -eq 1 ]] && (( ms < 50 || ms > 500 )); then
            notes="warning: -O0 time outside the intended 50-500 ms"
        fi
    fi

    if [[ $ok -eq 1 ]]; then
        printf '%-16s %-6s %10s  %s\n' "$name" "PASS" "$ms" "$notes"
    else
        printf '%-16s %-6s %10s  %s\n' "$name" "FAIL" "$ms" "$notes"
        failed+=("$name")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED (${#failed[@]}/${#sources[@]}): ${failed[*]}" >&2
    exit 1
fi
echo "all ${#sources[@]} programs passed"
