#!/bin/bash
# Run the reliability & security battery.
#
#   tests/reliability/run.sh [PATTERN|SCRIPT...]
#
# Runs every scenario here (t30NN = RT-NN, t31NN = ST-NN of reliability.md),
# or those a PATTERN selects (a bash regular expression matched against the
# name) or the SCRIPTs named, one after the other (the race tests need the
# CPUs), each under a timeout.  Prints one line per scenario as it
# finishes, the tail of a failing scenario's output, then a results table
# (scenario | pass condition | result | counts) and, as the very last line,
#   N passed, N failed, N skipped
# Exit status 0 iff nothing failed (77 if everything skipped).  With
# RELI_FUZZ_SECONDS > 0, the fuzz targets (fuzz/run.sh) run too, that many
# seconds each, as one more row.
#
# Environment: TREESYNC (binary under test, default <repo>/build/treesync),
# RACE_SECONDS (budget of each race loop; default per test, 5-8 s),
# RT02_ITERATIONS, RT10_ITERATIONS, RT18_ENTRIES, RELI_TMPDIR, KEEP_TMP=1,
# TEST_TIMEOUT (seconds per scenario, default 150; t3018 gets 2x),
# FAIL_TAIL (lines shown of a failing scenario, default 40),
# RELI_FUZZ_SECONDS (default 0: fuzzing is fuzz/run.sh's job).
here=$(cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/runner.sh"
RUN_TIMEOUT=${TEST_TIMEOUT:-150}
RUN_FAIL_TAIL=40
RUN_KEEP_LOGS=${RUN_KEEP_LOGS:-1}

echo "treesync under test: $TREESYNC ($("$TREESYNC" --version 2>/dev/null | head -n1))"
echo "kernel $(uname -r), $(nproc) CPUs"

# The C helpers, built once for every scenario.
run_setup() {
    RELI_HELPERS=$(bash -c ". '$here/lib.sh' >/dev/null && build_helpers >&2 && echo \"\$RELI_HELPERS\"") ||
        { echo "cannot build the helpers"; return 1; }
    export RELI_HELPERS
}
run_timeout_of() {
    case $1 in t3018-*) echo $((RUN_TIMEOUT * 2)) ;; *) echo "$RUN_TIMEOUT" ;; esac
}
run_tail_filter() { grep -v '^COND: '; }

rows=()
run_after_test() {  # NAME RESULT SECS LOG MESSAGE
    local cond counts
    cond=$(grep -m1 '^COND: ' "$4" | cut -c7-)
    counts=$(grep '^RESULT: ' "$4" | tail -n1 | cut -c9-)
    rows+=("$1|${cond:-?}|$2 ($3 s)|${counts:-$5}")
}

run_finish() {
    local t0 rc secs sum res r n c counts
    if [ "${RELI_FUZZ_SECONDS:-0}" -gt 0 ]; then
        t0=$(now)
        FUZZ_SECONDS=$RELI_FUZZ_SECONDS bash "$REPO/fuzz/run.sh" >"$logdir/fuzz.log" 2>&1
        rc=$?
        secs=$(elapsed "$t0" 1)
        sum=$(tail -n1 "$logdir/fuzz.log")
        if [ "$rc" = 0 ]; then res=PASS; else res=FAIL; fi
        runner_count "$res"
        printf '%-4s  %-36s %6ss  %s\n' "$res" "fuzz (${RELI_FUZZ_SECONDS}s/target)" "$secs" "$sum"
        [ "$res" = FAIL ] && tail -n "${FAIL_TAIL:-$RUN_FAIL_TAIL}" "$logdir/fuzz.log" | sed 's/^/      /'
        rows+=("fuzz|libFuzzer targets cli/escape/itemize/filter: no crash, leak, UB, timeout|$res ($secs s)|$(grep -E '^(PASS|FAIL|SKIP) ' "$logdir/fuzz.log" | awk '{print $2"="$1}' | tr '\n' ' ')")
    fi
    echo
    echo "| scenario | pass condition | result | counts |"
    echo "|---|---|---|---|"
    for r in "${rows[@]}"; do
        IFS='|' read -r n c res counts <<<"$r"
        echo "| $n | $c | $res | $counts |"
    done
    echo
}

runner_main "$@"
