#!/bin/bash
# Issue 10, item 7: --ignore-existing where DEST has a non-directory of the
# name of a source directory: rsync keeps the file, goes in anyway and fails
# every entry inside (exit 23); an empty source directory fails nothing.
. "$(dirname "$0")/lib.sh"
describe "--ignore-existing with a file where SRC has a directory: entries inside fail (23), the file stays, like rsync"

mkdir -p "$SRC/x" "$SRC/empty" "$DST"
printf 'f\n' >"$SRC/x/f"
printf 'g\n' >"$SRC/x/g"
printf 'keep\n' >"$DST/x"
printf 'keep\n' >"$DST/empty"
stamp "$SRC" 1500000000; stamp "$DST" 1500000000

run_both -a --ignore-existing -- "$SRC/" "$DST/"
assert_rc rsync 23
assert_same_result
run_both -ai -n --ignore-existing -- "$SRC/" "$DST/"
assert_same_result

# Only an empty directory in the way: nothing fails.
rm -rf "$SRC/x"
run_both -ai --ignore-existing -- "$SRC/" "$DST/"
assert_rc rsync 0
assert_same_result
pass
