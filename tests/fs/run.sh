#!/bin/bash
# Run the file-system matrix tests (as root: they mount loop file systems,
# tmpfs and latencyfs).
#
#   tests/fs/run.sh [PATTERN]
#
# Runs every tNNNN-*.sh here in order (only those whose name contains
# PATTERN when given), each under a timeout (TEST_TIMEOUT seconds, default
# 120).  Prints PASS/FAIL/SKIP per test, the tail of each failing test's
# output, a summary table of every measured run (file systems x method x
# wall time: which method really moved the bytes), and as the very last line
#   N passed, N failed, N skipped
# Exit status 0 iff nothing failed.
#
# Environment: TREESYNC (binary under test, default <repo>/build-fs/treesync),
# LATENCYFS, TEST_TIMEOUT, FAIL_TAIL (lines of a failing test's output shown,
# default 60), KEEP_TMP=1, VERBOSE=1 (show every test's notes).

here=$(cd -- "$(dirname -- "$0")" && pwd)
pattern=${1:-}
timeout_s=${TEST_TIMEOUT:-120}
tail_n=${FAIL_TAIL:-60}

: "${TREESYNC:=$here/../../build-fs/treesync}"
case $TREESYNC in /*) ;; */*) TREESYNC=$PWD/$TREESYNC ;; esac
export TREESYNC
echo "treesync under test: $TREESYNC"
echo "kernel: $(uname -r)"

out=$(mktemp "${TMPDIR:-/tmp}/tsfs-run.XXXXXX") || exit 2
TSFS_RESULTS=$(mktemp "${TMPDIR:-/tmp}/tsfs-results.XXXXXX") || exit 2
export TSFS_RESULTS
trap 'rm -f "$out" "$TSFS_RESULTS"' EXIT

npass=0 nfail=0 nskip=0
failed=()
start_all=$(date +%s.%N)
shopt -s nullglob
for t in "$here"/t[0-9][0-9][0-9][0-9]-*.sh; do
    name=$(basename -- "$t" .sh)
    if [ -n "$pattern" ] && [[ $name != *$pattern* ]]; then continue; fi
    t0=$(date +%s.%N)
    timeout -k 10 "$timeout_s" bash "$t" </dev/null >"$out" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    last=$(grep -E '^(PASS|FAIL|SKIP): ' "$out" | tail -n1)
    last=${last#*: }; last=${last#*: }
    case $rc in
    0)
        npass=$((npass + 1))
        printf 'PASS  %-32s %5ss\n' "$name" "$secs"
        [ "${VERBOSE:-0}" = 1 ] && grep -v '^PASS: ' "$out" | sed 's/^/    /' ;;
    77)
        nskip=$((nskip + 1))
        printf 'SKIP  %-32s %5ss  %s\n' "$name" "$secs" "$last" ;;
    *)
        nfail=$((nfail + 1))
        failed+=("$name")
        case $rc in 124 | 137) why="timed out after ${timeout_s}s" ;; *) why="exit $rc" ;; esac
        printf 'FAIL  %-32s %5ss  (%s) %s\n' "$name" "$secs" "$why" "$last"
        tail -n "$tail_n" -- "$out" | sed 's/^/      /' ;;
    esac
done
total=$(awk -v a="$start_all" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

if [ -s "$TSFS_RESULTS" ]; then
    echo
    echo "Summary: which method moved the bytes (from --stats and latencyfs counters), wall time of the treesync run"
    {
        printf 'case\tfile systems\t--copy-method\tmoved by\tbytes\tseconds\tnote\n'
        cat "$TSFS_RESULTS"
    } | awk -F'\t' '
        { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
          if (NF > nf) nf = NF }
        END { for (r = 1; r <= NR; r++) {
                line = ""
                for (i = 1; i <= nf; i++) {
                    f = (i == 5 || i == 6) ? "%" w[i] "s" : "%-" w[i] "s"
                    line = line (i > 1 ? " | " : "") sprintf(f, cell[r, i])
                }
                sub(/ +$/, "", line); print line
                if (r == 1) { sep = ""; for (i = 1; i <= nf; i++) { s = ""; for (k = 0; k < w[i]; k++) s = s "-"; sep = sep (i > 1 ? "-|-" : "") s }; print sep }
              } }'
    echo
fi
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "time: ${total}s"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
