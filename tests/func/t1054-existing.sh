#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--existing: only files already in DEST are updated, nothing new created"

make_qc_trees "$SRC" "$DST"
run_both -ai --existing -- "$SRC/" "$DST"
if filtered_out rsync | grep -q 'new_'; then fail "harness: rsync --existing created new files"; fi
expect_line rsync '>f.st...... dest_older'
assert_same_result
pass
