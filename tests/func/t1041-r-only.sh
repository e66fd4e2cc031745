#!/bin/bash
# -r alone: no symlinks, no times; a rerun re-sends every file (>f..T......).
. "$(dirname "$0")/lib.sh"
describe "-r alone (symlinks/fifo skipped, no times kept), rerun transfers again with >f..T......"

make_mixed_tree "$SRC"
run_both -ri -- "$SRC/" "$DST"
expect_line rsync 'skipping non-regular file "rel_link"'
# Times are "now" in each copy: compare everything else.
assert_same_result --no-mtime

run_both_again -ri -- "$SRC/" "$DST"
expect_line rsync '>f..T...... one_byte'
assert_same_result --no-mtime
pass
