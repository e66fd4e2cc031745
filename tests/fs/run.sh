#!/bin/bash
# Run the file-system matrix tests (as root: they mount loop file systems,
# tmpfs and latencyfs).
#
#   tests/fs/run.sh [PATTERN|SCRIPT...]
#
# Runs every tNNNN-*.sh here in order (or those a PATTERN selects -- a bash
# regular expression matched against the name -- or the SCRIPTs named),
# each under a timeout (TEST_TIMEOUT seconds, default 120).  Prints
# PASS/FAIL/SKIP per test, the tail of each failing test's output, a
# summary table of every measured run (file systems x method x wall time:
# which method really moved the bytes), and as the very last line
#   N passed, N failed, N skipped
# Exit status 0 iff nothing failed (77 if everything skipped); see
# tests/lib/runner.sh.
#
# Environment: TREESYNC (binary under test, default <repo>/build/treesync),
# LATENCYFS, TEST_TIMEOUT, FAIL_TAIL (lines of a failing test's output shown,
# default 60), KEEP_TMP=1, VERBOSE=1 (show every test's notes).
here=$(cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/runner.sh"
RUN_TIMEOUT=${TEST_TIMEOUT:-120}

echo "treesync under test: $TREESYNC"
echo "kernel: $(uname -r)"

run_setup() {
    TSFS_RESULTS=$(mktemp "${TMPDIR:-/tmp}/tsfs-results.XXXXXX") || return 1
    export TSFS_RESULTS
}

run_finish() {
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
    rm -f -- "$TSFS_RESULTS"
}

runner_main "$@"
