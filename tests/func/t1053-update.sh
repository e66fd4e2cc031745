#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-u / --update: files newer in DEST are kept"

make_qc_trees "$SRC" "$DST"
run_both -aiu -- "$SRC/" "$DST"
if filtered_out rsync | grep -q ' dest_newer$'; then fail "harness: rsync -u updated dest_newer"; fi
assert_same_result
run_both -ai --update -- "$SRC/" "$DST"
assert_same_result
pass
