#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--ignore-existing: only new files are created, existing ones left alone"

make_qc_trees "$SRC" "$DST"
run_both -ai --ignore-existing -- "$SRC/" "$DST"
expect_line rsync '>f+++++++++ new_file'
expect_line rsync 'cd+++++++++ new_dir/'
assert_same_result
pass
