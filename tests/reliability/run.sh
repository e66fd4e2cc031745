#!/bin/bash
# Run the reliability & security battery.
#
#   tests/reliability/run.sh [PATTERN...]
#
# Runs every rtNN-*.sh and stNN-*.sh here (only those whose name contains
# one of the PATTERNs, when given), one after the other (the race tests
# need the CPUs), each under a timeout.  Prints one line per scenario as it
# finishes, the tail of a failing scenario's output, then a results table
# (scenario | pass condition | result | counts) and, as the very last line,
#   N passed, N failed, N skipped
# Exit status 0 iff nothing failed.  With RELI_FUZZ_SECONDS > 0, the fuzz
# targets (fuzz/run.sh) run too, that many seconds each, as one more row.
#
# Environment: TREESYNC (binary under test, default <repo>/build-rel/treesync),
# RACE_SECONDS (budget of each race loop; default per test, 5-8 s),
# RT02_ITERATIONS, RT10_ITERATIONS, RT18_ENTRIES, RELI_TMPDIR, KEEP_TMP=1,
# TEST_TIMEOUT (seconds per scenario, default 150; RT-18 gets 2x),
# FAIL_TAIL (lines shown of a failing scenario, default 40),
# RELI_FUZZ_SECONDS (default 0: fuzzing is fuzz/run.sh's job).
here=$(cd -- "$(dirname -- "$0")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
: "${TREESYNC:=$repo/build-rel/treesync}"
case $TREESYNC in /*) ;; */*) TREESYNC=$PWD/$TREESYNC ;; esac
export TREESYNC
timeout_s=${TEST_TIMEOUT:-150}
tail_n=${FAIL_TAIL:-40}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/treesync-reli-logs.XXXXXX") || exit 2

echo "treesync under test: $TREESYNC ($("$TREESYNC" --version 2>/dev/null | head -n1))"
echo "kernel $(uname -r), $(nproc) CPUs, logs in $logdir"
# Build the C helpers once for every scenario.
RELI_HELPERS=$(bash -c ". '$here/lib.sh' >/dev/null && build_helpers >&2 && echo \"\$RELI_HELPERS\"") || {
    echo "cannot build the helpers"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
export RELI_HELPERS

npass=0 nfail=0 nskip=0
rows=()
start_all=$(date +%s.%N)
shopt -s nullglob
for t in "$here"/rt[0-9][0-9]-*.sh "$here"/st[0-9][0-9]-*.sh; do
    name=$(basename -- "$t" .sh)
    if [ $# -gt 0 ]; then
        want=0
        for p in "$@"; do [[ $name == *$p* ]] && want=1; done
        [ "$want" = 1 ] || continue
    fi
    lim=$timeout_s
    [[ $name == rt18-* ]] && lim=$((timeout_s * 2))
    log=$logdir/$name.log
    t0=$(date +%s.%N)
    timeout -k 10 "$lim" bash "$t" </dev/null >"$log" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    last=$(grep -E '^(PASS|FAIL|SKIP): ' "$log" | tail -n1)
    last=${last#*: }; last=${last#*: }
    cond=$(grep -m1 '^COND: ' "$log" | cut -c7-)
    counts=$(grep '^RESULT: ' "$log" | tail -n1 | cut -c9-)
    case $rc in
        0) npass=$((npass + 1)); res=PASS ;;
        77) nskip=$((nskip + 1)); res=SKIP ;;
        124|137) nfail=$((nfail + 1)); res=FAIL; last="timed out after ${lim}s" ;;
        *) nfail=$((nfail + 1)); res=FAIL ;;
    esac
    printf '%-4s  %-32s %6ss  %s\n' "$res" "$name" "$secs" "$last"
    if [ "$res" = FAIL ]; then
        grep -v '^COND: ' "$log" | tail -n "$tail_n" | cut -c1-220 | sed 's/^/      /'
    fi
    rows+=("$name|${cond:-?}|$res ($secs s)|${counts:-$last}")
done

if [ "${RELI_FUZZ_SECONDS:-0}" -gt 0 ] && { [ $# -eq 0 ] || [[ " $* " == *fuzz* ]]; }; then
    t0=$(date +%s.%N)
    FUZZ_SECONDS=$RELI_FUZZ_SECONDS bash "$repo/fuzz/run.sh" >"$logdir/fuzz.log" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    sum=$(tail -n1 "$logdir/fuzz.log")
    if [ "$rc" = 0 ]; then npass=$((npass + 1)); res=PASS; else nfail=$((nfail + 1)); res=FAIL; fi
    printf '%-4s  %-32s %6ss  %s\n' "$res" "fuzz (${RELI_FUZZ_SECONDS}s/target)" "$secs" "$sum"
    [ "$res" = FAIL ] && tail -n "$tail_n" "$logdir/fuzz.log" | sed 's/^/      /'
    rows+=("fuzz|libFuzzer targets cli/escape/itemize/filter: no crash, leak, UB, timeout|$res ($secs s)|$(grep -E '^(PASS|FAIL|SKIP) ' "$logdir/fuzz.log" | awk '{print $2"="$1}' | tr '\n' ' ')")
fi

total=$(awk -v a="$start_all" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
echo
echo "Results (${total}s in all; logs: $logdir)"
echo
echo "| scenario | pass condition | result | counts |"
echo "|---|---|---|---|"
for r in "${rows[@]}"; do
    IFS='|' read -r n c res counts <<<"$r"
    echo "| $n | $c | $res | $counts |"
done
echo
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
