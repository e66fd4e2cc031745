#!/bin/bash
# A second -a run over an up-to-date DEST prints nothing and changes nothing.
. "$(dirname "$0")/lib.sh"
describe "-a second run is a no-op: no -i/-v lines, tree unchanged (ns mtimes included)"

make_mixed_tree "$SRC"
run_both -a -- "$SRC/" "$DST"
assert_same_result

snap "$TS_DST" >"$T/before.snap"
run_both_again -ai -- "$SRC/" "$DST"
assert_same_output
expect_no_output rsync
expect_no_output treesync
snap "$TS_DST" >"$T/after.snap"
assert_snap_equal "$T/before.snap" "$T/after.snap" "second -ai run changed the destination"

run_both_again -av -- "$SRC/" "$DST"
assert_same_output
expect_no_output treesync
snap "$TS_DST" >"$T/after2.snap"
assert_snap_equal "$T/before.snap" "$T/after2.snap" "third (-av) run changed the destination"
pass
