#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "SRC with trailing slash copies contents, without copies the dir itself, SRC/. like SRC/ (DEST with/without slash)"

make_small_tree "$SRC"

# Without a slash the DEST root is not a copy of any source directory: its
# mtime is whenever it was created/changed, so it is not compared.
run_both -ai -- "$SRC" "$DST"
expect_line rsync 'cd+++++++++ src/'
assert_same_result --no-mtime-root

run_both -ai -- "$SRC/" "$DST"
expect_line rsync 'cd+++++++++ ./'
assert_same_result

run_both -ai -- "$SRC/." "$DST/"
assert_same_result

run_both -ai -- "$SRC/sub" "$DST/"
expect_line rsync 'cd+++++++++ sub/'
assert_same_result --no-mtime-root

run_both -ai -- "$SRC/sub/" "$DST"
assert_same_result

# Into an existing DEST that already has src/ from an earlier run.
mkdir -p "$DST"
copy_tree "$SRC" "$DST/src"
printf 'changed\n' >"$DST/src/one"
touch -d @1400000000 "$DST"
run_both -ai -- "$SRC" "$DST"
assert_same_result
pass
