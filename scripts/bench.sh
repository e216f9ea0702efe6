#!/usr/bin/env bash
# Benchmark mailproof on the shared bench corpus beside its peers, same run,
# same machine. See docs/performance.md.
#
# Usage: scripts/bench.sh CORPUS_DIR [JOBS] [RUNS]
#   CORPUS_DIR  made by ../shared/bench/make_corpus.py (msgs/, keys.zone,
#               expected.tsv, corpus.mbox)
#   JOBS        threads / processes for every tool (default: nproc)
#   RUNS        interleaved runs per tool; the median is shown (default 3)
# Environment:
#   MAILPROOF_BIN    default target/release/mailproof (build it with
#                    cargo build --release)
#   MAILAUTH_RS_BIN  the bare mail-auth loop (../shared/bench/peers/mailauth-rs)
#   BENCH_DIR        the shared bench folder (default ../shared/bench)
#   OUT              where records and timings go (default a temp dir)
#
# mailproof runs the full forensic report: every record written as JSONL
# (flushed per line) to a file, plus the summary, as a user would run it.
# cpu_s is the median user + system CPU time (GNU time) and cpu_vs_ma the
# mail-auth loop's CPU time over it: on a loaded shared machine the wall
# time mostly measures the scheduler, the CPU time the work.
# Its verdicts are checked per signature against expected.tsv (pass -> pass,
# anything else -> fail). The corpus.mbox run is checked the same way, its
# N-th message against the N-th .eml twin, and its peak RSS is reported.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$(cd "${1:?usage: scripts/bench.sh CORPUS_DIR [JOBS] [RUNS]}" && pwd)
JOBS=${2:-$(nproc)}
RUNS=${3:-3}
BIN=${MAILPROOF_BIN:-$HERE/target/release/mailproof}
BENCH_DIR=${BENCH_DIR:-$HERE/../shared/bench}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }

N=$(grep -vc "^#" "$CORPUS/expected.tsv")
BYTES=$(find "$CORPUS/msgs" -name '*.eml' -printf '%s\n' | awk '{s+=$1} END {print s}')

declare -A CMD
CMD[mailproof]="$BIN verify --quiet --no-builtin-keys --keys $CORPUS/keys.zone -j $JOBS --force --output $OUT/mailproof.jsonl --summary $OUT/mailproof.summary.json $CORPUS/msgs"
CMD[mailproof-mbox]="$BIN verify --quiet --no-builtin-keys --keys $CORPUS/keys.zone -j $JOBS --force --output $OUT/mailproof-mbox.jsonl $CORPUS/corpus.mbox"
TOOLS="mailproof mailproof-mbox"
if [ -n "${MAILAUTH_RS_BIN:-}" ] && [ -x "$MAILAUTH_RS_BIN" ]; then
    CMD[mail-auth-loop]="$MAILAUTH_RS_BIN $CORPUS -j $JOBS"
    TOOLS="$TOOLS mail-auth-loop"
else
    echo "note: MAILAUTH_RS_BIN not set: no bare mail-auth loop" >&2
fi
if command -v opendkim >/dev/null; then
    CMD[opendkim]="python3 $BENCH_DIR/peers/opendkim_verify.py $CORPUS -j $JOBS"
    TOOLS="$TOOLS opendkim"
else
    echo "note: opendkim not installed: apt-get install -y opendkim" >&2
fi

# warm the page cache
cat "$CORPUS"/msgs/*/*.eml "$CORPUS/corpus.mbox" > /dev/null

: > "$OUT/raw.tsv"
for run in $(seq "$RUNS"); do
    for tool in $TOOLS; do
        t0=$(date +%s%N)
        /usr/bin/time -v -o "$OUT/$tool.time" ${CMD[$tool]} > "$OUT/$tool.stdout" 2> "$OUT/$tool.err" || true
        t1=$(date +%s%N)
        rss=$(awk -F': ' '/Maximum resident/ {print int($2/1024)}' "$OUT/$tool.time")
        cpu=$(awk -F': ' '/(User|System) time/ {s += $2} END {printf "%.2f", s}' "$OUT/$tool.time")
        echo -e "$tool\t$run\t$(( (t1 - t0) / 1000 ))\t$rss\t$cpu" >> "$OUT/raw.tsv"
    done
done

check() {  # $1 tool -> "mismatches=..."
    case $1 in
        mailproof|mailproof-mbox)
            python3 "$HERE/scripts/bench_tsv.py" "$CORPUS" "$OUT/$1.jsonl" > "$OUT/$1.tsv" ;;
        *) cp "$OUT/$1.stdout" "$OUT/$1.tsv" ;;
    esac
    python3 "$BENCH_DIR/check_verdicts.py" "$CORPUS/expected.tsv" "$OUT/$1.tsv" 2> "$OUT/$1.check"
}

echo "corpus: $CORPUS ($N messages, $(awk "BEGIN {printf \"%.1f\", $BYTES/1e6}") MB), jobs: $JOBS, runs: $RUNS (median)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-16s %9s %10s %9s %9s %12s %12s %8s %8s  %s\n' tool seconds msg/s MB/s RSS_MB vs_mail-auth vs_opendkim cpu_s cpu_vs_ma verdicts
med() { grep -P "^$1\t" "$OUT/raw.tsv" | cut -f"$2" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A RATE
for tool in $TOOLS; do
    us=$(med "$tool" 3)
    RATE[$tool]=$(awk "BEGIN {print $N / ($us / 1e6)}")
done
for tool in $TOOLS; do
    us=$(med "$tool" 3); rss=$(med "$tool" 4); cpu=$(med "$tool" 5)
    vs_ma=-; vs_od=-; cpu_ma=-
    [ -n "${RATE[mail-auth-loop]:-}" ] && vs_ma=$(awk "BEGIN {printf \"%.2fx\", ${RATE[$tool]} / ${RATE[mail-auth-loop]}}")
    [ -n "${RATE[opendkim]:-}" ] && vs_od=$(awk "BEGIN {printf \"%.2fx\", ${RATE[$tool]} / ${RATE[opendkim]}}")
    [ -n "${RATE[mail-auth-loop]:-}" ] && cpu_ma=$(awk "BEGIN {printf \"%.2fx\", $(med mail-auth-loop 5) / $cpu}")
    printf '%-16s %9.3f %10.0f %9.1f %9s %12s %12s %8s %8s  %s\n' "$tool" "$(awk "BEGIN {print $us/1e6}")" \
        "${RATE[$tool]}" "$(awk "BEGIN {print $BYTES / 1e6 / ($us / 1e6)}")" "$rss" "$vs_ma" "$vs_od" "$cpu" "$cpu_ma" "$(check "$tool")"
done
echo "records and timings: $OUT"
