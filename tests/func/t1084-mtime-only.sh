#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "mtime-only changes: file (>f..t......), dir (.d..t......), symlink (.L..t......), fifo (.S..t......), root ./"

make_mixed_tree "$SRC"
copy_tree "$SRC" "$DST"
touch -h -d @1400000000 "$DST/one_byte" "$DST/a/b" "$DST/rel_link" "$DST/fifo" "$DST/empty_dir" "$DST"

run_both -ai -- "$SRC/" "$DST"
expect_line rsync '>f..t...... one_byte'
expect_line rsync '.d..t...... a/b/'
expect_line rsync '.L..t...... rel_link -> a/b/c/deep.txt'
expect_line rsync '.S..t...... fifo'
expect_line rsync '.d..t...... ./'
assert_same_result
assert_same_tree "$SRC" "$TS_DST" --no-nlink

# --no-times leaves them (and copies data of the mtime-different file again).
rm -rf "$DST"; copy_tree "$SRC" "$DST"
touch -h -d @1400000000 "$DST/one_byte" "$DST/a/b"
run_both -ai --no-times -- "$SRC/" "$DST"
expect_line rsync '>f..T...... one_byte'
# The re-sent file and its directory get "now" as mtime in each copy.
assert_same_result --no-mtime
pass
