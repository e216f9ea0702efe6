#!/usr/bin/env bash
# Short fuzzing campaign for CI: builds the seed corpora from fixtures/,
# then runs each cargo-fuzz target for SECONDS (default 30) of wall time.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Works on stable Rust: libFuzzer's coverage instrumentation needs no
# nightly feature, only the sanitizers do, so targets run with
# `--sanitizer none` unless FUZZ_SANITIZER is set (e.g. `address`, which
# needs a nightly toolchain). Exit status 1 if any target found a crash,
# leak-free timeout or OOM; the reproducer is in fuzz/artifacts/<target>/.
# Long campaigns: see docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
sanitizer=${FUZZ_SANITIZER:-none}
# FUZZ_BUILD="-O -a" adds debug assertions and overflow checks.
read -r -a build <<<"${FUZZ_BUILD:--O}"
python3 scripts/fuzz-seeds.py >/dev/null || exit 2
cd fuzz
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
cargo fuzz build "${build[@]}" --sanitizer "$sanitizer" || exit 2
status=0
for t in "${targets[@]}"; do
    start=$(date +%s)
    log=$(mktemp)
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: runaway memory.
    cargo fuzz run "${build[@]}" --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "$t: ${secs}s, $(($(date +%s) - start))s wall, ${runs:-?} runs, ${cov:-cov: ?}, exit $rc"
    if [ $rc -ne 0 ]; then
        status=1
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20
    fi
    rm -f "$log"
done
exit $status
