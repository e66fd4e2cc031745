#!/bin/bash
# -a initial copy of the mixed tree into a DEST that does not exist yet.
. "$(dirname "$0")/lib.sh"
describe "-a / -ai initial copy of a mixed tree (dirs, empty dir/file, sizes 0/1/4096/1MiB+13, abs/rel/dangling symlinks, fifo, 0600 file, 0700 dir, hard-link pair, odd names) matches rsync"

make_mixed_tree "$SRC"

# Plain -a prints nothing.
run_both -a -- "$SRC/" "$DST"
assert_same_result
expect_no_output treesync

# -ai: the same tree and the same itemize lines.
run_both -ai -- "$SRC/" "$DST"
expect_line rsync 'cS+++++++++ fifo'
expect_line rsync 'cL+++++++++ dangling_link -> does/not/exist'
expect_line rsync 'cd+++++++++ ./'
assert_same_result

# And the copy is a full mirror of the source (hard links are not preserved
# without -H, so nlink is left out).
assert_same_tree "$SRC" "$TS_DST" --no-nlink
pass
