#!/bin/bash
# tests/ops/run.sh [PATTERN|SCRIPT...] -- run the operator-facing tests.
#
# Runs every tests/ops/tNNNN-*.sh (or those a PATTERN selects -- a bash
# regular expression matched against the name -- or the SCRIPTs named),
# each with a timeout, prints PASS/FAIL/SKIP per test with its one-line
# description (and the failed checks of a failing test), and ends with
# exactly one line "N passed, N failed, N skipped".  Exit 0 iff no test
# failed (77 if everything skipped).  A test exits 0 (pass), 1 (fail) or
# 77 (skip).  See tests/lib/runner.sh.
#
# Environment: TREESYNC (binary under test, default <repo>/build/treesync),
# TEST_TIMEOUT (seconds per test, default 120), VERBOSE=1 (show the output
# of passing tests too); see lib.sh for the rest.
here=$(cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/runner.sh"
RUN_TIMEOUT=${TEST_TIMEOUT:-120}
RUN_FAIL_TAIL=40
run_tail_filter() { grep -vE '^== |^  ok: '; }

echo "tests/ops: TREESYNC=$TREESYNC"
runner_main "$@"
