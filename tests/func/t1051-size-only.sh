#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--size-only: same-size files skipped (time still fixed: .f..t......), different size copied"

make_qc_trees "$SRC" "$DST"
run_both -ai --size-only -- "$SRC/" "$DST"
expect_line rsync '.f..t...... mtime_only'
assert_same_result
pass
