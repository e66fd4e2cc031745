#!/bin/bash
# -rlt: recursion, symlinks and times, no perms/owner/devices/specials.
. "$(dirname "$0")/lib.sh"
describe "-rlt copy of the mixed tree (fifo skipped with rsync's message), then a no-op rerun"

make_mixed_tree "$SRC"
run_both -rlti -- "$SRC/" "$DST"
expect_line rsync 'skipping non-regular file "fifo"'
assert_same_result

run_both_again -rlti -- "$SRC/" "$DST"
assert_same_result
pass
