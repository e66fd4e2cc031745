#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "unknown option and bad option values exit 1 (usage) like rsync, touching nothing"

make_small_tree "$SRC"
for opt in --no-such-option -Y --modify-window=abc; do
    run_both -a "$opt" -- "$SRC/" "$DST"
    [ "$RS_RC" = 1 ] || fail "harness: rsync $opt exited $RS_RC"
    assert_same_output
    [ -s "$T/treesync.err" ] || fail "treesync $opt printed nothing on stderr"
    [ ! -e "$TS_DST" ] || fail "treesync $opt created DEST"
done
pass
