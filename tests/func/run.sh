#!/bin/bash
# Run the functional/differential tests.
#
#   tests/func/run.sh [PATTERN]
#
# Runs every tNNNN-*.sh here in order (only those whose name matches PATTERN
# when given; PATTERN is a bash regular expression, e.g. 't0010|t0130'), each under a timeout
# (TEST_TIMEOUT seconds, default 120).  Prints PASS/FAIL/SKIP per test, the
# tail of each failing test's output, and as the very last line
#   N passed, N failed, N skipped
# Exit status 0 iff nothing failed.
#
# Environment: TREESYNC (binary under test, default <repo>/build/treesync),
# RSYNC (oracle), TEST_TIMEOUT, FAIL_TAIL (lines of a failing test's output
# shown, default 60), KEEP_TMP=1 (keep per-test temp dirs).

here=$(cd -- "$(dirname -- "$0")" && pwd)
pattern=${1:-}
timeout_s=${TEST_TIMEOUT:-120}
tail_n=${FAIL_TAIL:-60}

if [ -n "${TREESYNC:-}" ]; then
    case $TREESYNC in /*) ;; */*) TREESYNC=$PWD/$TREESYNC ;; esac
    export TREESYNC
fi
echo "treesync under test: ${TREESYNC:-$here/../../build/treesync}"
echo "oracle: $(command -v "${RSYNC:-rsync}") ($("${RSYNC:-rsync}" --version 2>/dev/null | head -n1))"

npass=0 nfail=0 nskip=0
failed=()
out=$(mktemp "${TMPDIR:-/tmp}/tsfunc-run.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT

start_all=$(date +%s.%N)
shopt -s nullglob
for t in "$here"/t[0-9][0-9][0-9][0-9]-*.sh; do
    name=$(basename -- "$t" .sh)
    if [ -n "$pattern" ] && ! [[ $name =~ $pattern ]]; then continue; fi
    t0=$(date +%s.%N)
    timeout -k 10 "$timeout_s" bash "$t" </dev/null >"$out" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    last=$(grep -E '^(PASS|FAIL|SKIP): ' "$out" | tail -n1)
    last=${last#*: }; last=${last#*: }
    case $rc in
        0)
            npass=$((npass + 1))
            printf 'PASS  %-36s %5ss  %s\n' "$name" "$secs" "$last" ;;
        77)
            nskip=$((nskip + 1))
            printf 'SKIP  %-36s %5ss  %s\n' "$name" "$secs" "$last" ;;
        *)
            nfail=$((nfail + 1))
            failed+=("$name")
            case $rc in
                124|137) why="timed out after ${timeout_s}s" ;;
                *) why="exit $rc" ;;
            esac
            printf 'FAIL  %-36s %5ss  (%s) %s\n' "$name" "$secs" "$why" "$last"
            tail -n "$tail_n" -- "$out" | sed 's/^/      /'
            ;;
    esac
done
total=$(awk -v a="$start_all" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "time: ${total}s"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
