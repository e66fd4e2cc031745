#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-I / --ignore-times: every file is transferred, identical ones too (>f.........)"

make_qc_trees "$SRC" "$DST"
run_both -aiI -- "$SRC/" "$DST"
expect_line rsync '>f......... identical'
assert_same_result
run_both_again -ai --ignore-times -- "$SRC/" "$DST"
assert_same_result
pass
