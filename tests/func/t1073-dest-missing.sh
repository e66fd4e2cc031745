#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "DEST missing is created; DEST parent missing, DEST a file, several SRC into a file: same exit code and tree as rsync"

make_small_tree "$SRC"

run_both -ai -- "$SRC/" "$DST"
[ -d "$RS_DST" ] || fail "harness: rsync did not create DEST"
assert_same_result

# Parent of DEST missing (rsync: mkdir failed, exit 11).
run_both -ai -- "$SRC/" "$DST/missing/sub"
[ "$RS_RC" != 0 ] || fail "harness: rsync succeeded with a missing DEST parent"
assert_same_result

# Single file to a DEST whose parent is missing (rsync: exit 3).
run_both -ai -- "$SRC/one" "$DST/missing/sub"
assert_same_result

# DEST is an existing regular file, SRC a directory.
mkdir -p "$DST"
printf 'x\n' >"$DST/afile"
run_both -ai -- "$SRC/" "$DST/afile"
assert_same_result

# Several sources, DEST an existing file (rsync: exit 3).
run_both -ai -- "$SRC/one" "$SRC/two" "$DST/afile"
assert_same_result
pass
