#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-q: nothing on stdout for a run with changes; errors still on stderr with rsync's exit code"

make_small_tree "$SRC"
copy_tree "$SRC" "$DST"
printf 'changed\n' >"$DST/one"
printf 'extra\n' >"$DST/extra"

run_both -aq --delete -- "$SRC/" "$DST"
assert_same_result
expect_no_output treesync

run_both -aq -- "$T/missing" "$DST"
assert_same_result
pass
