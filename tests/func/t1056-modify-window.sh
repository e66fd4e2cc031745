#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--modify-window=2: mtimes 1s apart count as equal, 3s apart do not"

make_qc_trees "$SRC" "$DST"
run_both -ai --modify-window=2 -- "$SRC/" "$DST"
expect_line rsync '>f..t...... win_3s'
if filtered_out rsync | grep -q ' win_1s'; then fail "harness: rsync transferred win_1s with a 2s window"; fi
assert_same_result
pass
