#!/bin/bash
# Run the functional/differential tests.
#
#   tests/func/run.sh [PATTERN|SCRIPT...]
#
# Runs every tNNNN-*.sh here in order, or those a PATTERN (a bash regular
# expression matched against the name, e.g. 'delete' or 't1010|t1130')
# selects, or the SCRIPTs named; each under a timeout (TEST_TIMEOUT
# seconds, default 120).  Prints PASS/FAIL/SKIP per test, the tail of each
# failing test's output, and as the very last line
#   N passed, N failed, N skipped
# Exit status 0 iff nothing failed (77 if everything skipped); see
# tests/lib/runner.sh.
#
# Environment: TREESYNC (binary under test, default <repo>/build/treesync),
# RSYNC (oracle), TEST_TIMEOUT, FAIL_TAIL (lines of a failing test's output
# shown, default 60), KEEP_TMP=1 (keep per-test temp dirs).
here=$(cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/runner.sh"
RUN_TIMEOUT=${TEST_TIMEOUT:-120}

echo "treesync under test: $TREESYNC"
echo "oracle: $(command -v "${RSYNC:-rsync}") ($("${RSYNC:-rsync}" --version 2>/dev/null | head -n1))"
runner_main "$@"
