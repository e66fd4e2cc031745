#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-a -c: same size+mtime but different content is transferred (>fc........); rerun no-op"

make_qc_trees "$SRC" "$DST"
run_both -aic -- "$SRC/" "$DST"
expect_line rsync '>fc........ same_meta'
assert_same_result
run_both_again -aic -- "$SRC/" "$DST"
assert_same_output
expect_no_output treesync
pass
