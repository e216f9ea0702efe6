#!/usr/bin/env bash
# Fuzzing campaign: builds the seed corpora from fixtures/, then runs each
# cargo-fuzz target, one at a time, for SECONDS (default 30) of wall time
# and prints one line per target: CPU seconds, runs, coverage, exit status.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   nice -n 19 scripts/fuzz.sh 420          # the campaign of docs/reliability.md
#
# Works on stable Rust: libFuzzer's coverage instrumentation needs no
# nightly feature, only the sanitizers do, so targets run with
# `--sanitizer none` unless FUZZ_SANITIZER is set (e.g. `address`, which
# needs a nightly toolchain). Exit status 1 if any target found a crash,
# timeout or OOM; the reproducer and the run's log are in fuzz/artifacts/<target>/.
# Long campaigns: see docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
sanitizer=${FUZZ_SANITIZER:-none}
# FUZZ_BUILD="-O -a" adds debug assertions and overflow checks.
read -r -a build <<<"${FUZZ_BUILD:--O}"
# FUZZ_JOBS=N runs N libFuzzer processes on each target (-jobs=N
# -workers=N, sharing the corpus), still one target at a time: under
# `nice -n 19` on a busy machine each process gets only what other work
# leaves, so more of them use the idle moments better.
jobs=${FUZZ_JOBS:-1}
par=()
[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
python3 scripts/fuzz-seeds.py >/dev/null || exit 2
cd fuzz
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
cargo fuzz build "${build[@]}" --sanitizer "$sanitizer" || exit 2
status=0
for t in "${targets[@]}"; do
    start=$(date +%s)
    log=$(mktemp)
    cpu=$(mktemp)
    # PST and whole-file inputs need room for the real PST seed (271 KB).
    case $t in pst | files) max_len=327680 ;; *) max_len=65536 ;; esac
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: runaway memory.
    TIMEFORMAT='%U %S'
    { time cargo fuzz run "${build[@]}" --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
        -print_final_stats=1 "${par[@]}" >"$log" 2>&1; } 2>"$cpu"
    rc=$?
    # with -jobs, each process logs to fuzz-<n>.log here
    logs=("$log")
    [ "$jobs" -gt 1 ] && logs+=(fuzz-*.log)
    grep -q 'ERROR: libFuzzer' "${logs[@]}" && rc=1
    cpu_s=$(awk '{ printf "%d", $1 + $2 }' "$cpu")
    runs=$(cat "${logs[@]}" | grep -o 'stat::number_of_executed_units: *[0-9]*' |
        awk '{ n += $2 } END { if (NR) print n }')
    cov=$(cat "${logs[@]}" | grep -o 'cov: [0-9]* ft: [0-9]*' | sort -k2,2n | tail -1 || true)
    corpus=$(find "corpus/$t" -type f | wc -l)
    echo "$t: ${cpu_s}s CPU, $(($(date +%s) - start))s wall, ${runs:-?} runs, ${cov:-cov: ?}, corpus $corpus, $([ "$rc" -eq 0 ] && echo ok || echo FAILED)"
    cat "${logs[@]}" | grep '^caught panic in an Outlook parser' | sort -u | head -20
    if [ $rc -ne 0 ]; then
        status=1
        cat "${logs[@]}" | grep -E 'panicked|ERROR|SUMMARY|Test unit written' | head -20
    fi
    mkdir -p "artifacts/$t" && cat "${logs[@]}" >"artifacts/$t/last-run.log"
    rm -f "$log" "$cpu" fuzz-*.log
done
exit $status
