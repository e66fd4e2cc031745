#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "default quick check (size+mtime, whole seconds: a sub-second-only difference is not a change)"

make_qc_trees "$SRC" "$DST"
run_both -ai -- "$SRC/" "$DST"
expect_line rsync '>f..t...... mtime_only'
expect_line rsync '.d..t...... sub/'
if filtered_out rsync | grep -q ' ns_only$'; then
    note "(rsync treats a sub-second mtime difference as a change here)"
fi
assert_same_result
pass
