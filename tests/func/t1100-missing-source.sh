#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "missing SRC: exit 23 like rsync, the path named on stderr; other sources still copied"

make_small_tree "$SRC"
missing=$T/no_such_source

run_both -a -- "$missing" "$DST"
[ "$RS_RC" = 23 ] || fail "harness: rsync exit $RS_RC, expected 23"
assert_same_result
grep -qF "$missing" "$T/treesync.err" || { _show_run treesync; fail "treesync's stderr does not name $missing"; }

run_both -ai -- "$SRC/" "$missing/" "$DST"
assert_same_result
grep -qF "$missing" "$T/treesync.err" || { _show_run treesync; fail "treesync's stderr does not name $missing"; }

# A dangling path inside an existing dir, as a trailing-slash source.
run_both -ai -- "$SRC/nope/" "$SRC/one" "$DST"
assert_same_result
pass
