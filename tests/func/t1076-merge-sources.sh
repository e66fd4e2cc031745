#!/bin/bash
# Issue 10, item 1: several sources that share a subdirectory name are
# merged, as rsync does: the first source wins per name, a directory wins
# over a non-directory, directories merge.  An up-to-date merged copy with
# --delete deletes nothing of the second source.
. "$(dirname "$0")/lib.sh"
describe "several sources with same-named subdirectories merge like rsync's (first wins per name, directories merge); --delete keeps both"

A=$T/a B=$T/b C=$T/c
mkdir -p "$A/sub/deep" "$B/sub/deep" "$B/sub/only_b" "$C/sub"
printf 'x\n' >"$A/sub/x"
printf 'y\n' >"$B/sub/y"
printf 'a-first\n' >"$A/sub/both"
printf 'b-second\n' >"$B/sub/both"
printf 'ad\n' >"$A/sub/deep/ad"
printf 'bd\n' >"$B/sub/deep/bd"
printf 'ob\n' >"$B/sub/only_b/f"
# A file in the first source, a directory of that name in the second: the
# directory wins.  And the other way round.
printf 'file\n' >"$A/fd"
mkdir -p "$B/fd"; printf 'in\n' >"$B/fd/in"
mkdir -p "$A/df"; printf 'in\n' >"$A/df/in"
printf 'file\n' >"$B/df"
printf 'c\n' >"$C/sub/c"
stamp "$A" 1500000000; stamp "$B" 1510000000; stamp "$C" 1520000000

run_both -ai -- "$A/" "$B/" "$C/" "$DST/"
expect_line rsync '>f+++++++++ sub/y'
expect_line rsync '>f+++++++++ sub/deep/bd'
expect_line rsync '>f+++++++++ fd/in'
assert_same_result --no-mtime-root

# The merged copy is up to date: nothing to do, nothing deleted.
run_both_again -ai --delete -- "$A/" "$B/" "$C/" "$DST/"
expect_no_output rsync
assert_same_result --no-mtime-root

# Entry operands of the same name merge too ("a/sub b/sub" -> DEST/sub).
rm -rf "$DST"; mkdir -p "$DST"
run_both -ai --delete -- "$A/sub" "$B/sub" "$DST/"
expect_line rsync '>f+++++++++ sub/y'
assert_same_result --no-mtime-root
run_both_again -ai --delete -- "$A/sub" "$B/sub" "$DST/"
assert_same_result --no-mtime-root
pass
