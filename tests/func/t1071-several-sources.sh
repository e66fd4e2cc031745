#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "several SRC arguments (dir, dir/, single file, symlink) into one DEST"

make_small_tree "$SRC"
mkdir -p "$T/other/inner"
printf 'o\n' >"$T/other/inner/o"
printf 'lone\n' >"$T/lone_file"
ln -s lone_file "$T/lone_link"
stamp "$T/other" 1510000000
touch -h -d @1520000000 "$T/lone_file" "$T/lone_link"

run_both -ai -- "$SRC/sub" "$T/other/" "$T/lone_file" "$T/lone_link" "$DST"
expect_line rsync 'cd+++++++++ sub/'
expect_line rsync 'cd+++++++++ inner/'
expect_line rsync '>f+++++++++ lone_file'
assert_same_result --no-mtime-root

run_both_again -ai -- "$SRC/sub" "$T/other/" "$T/lone_file" "$T/lone_link" "$DST"
assert_same_output
expect_no_output treesync

run_both -ai --delete -- "$SRC/sub" "$SRC/other" "$DST/"
assert_same_result --no-mtime-root

# Two "dir/" sources: both map onto the DEST root; rsync keeps the first
# one's "." (mode and mtime of the root come from it).
mkdir -p "$DST"; chmod 0700 "$DST"; touch -d @1300000000 "$DST"
run_both -ai -- "$T/other/" "$SRC/sub/" "$DST"
assert_same_result
run_both -ai -- "$SRC/sub/" "$T/other/" "$DST"
assert_same_result
pass
