#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "stale DEST content: changed bytes (bigger, smaller, same size), truncated to 0, grown from 0, big file changed in the middle"

make_mixed_tree "$SRC"
copy_tree "$SRC" "$DST"
printf 'DEEP CHANGED AND LONGER\n' >"$DST/a/b/c/deep.txt"
printf 'm\n' >"$DST/a/b/mid.txt"
printf 'TOP\n' >"$DST/a/top.txt"                  # same size, new mtime
printf 'now not empty\n' >"$DST/empty_file"
: >"$DST/page_4096"
printf 'X' | dd of="$DST/big_1MiB_13" bs=1 seek=524288 conv=notrunc status=none
touch -d @1400000000 "$DST/big_1MiB_13"
printf 'y' >"$DST/one_byte"; touch -r "$SRC/one_byte" "$DST/one_byte"   # same size+mtime: kept
touch -d @1450000000 "$DST/a/b/c" "$DST/a/b" "$DST/a"

run_both -ai -- "$SRC/" "$DST"
expect_line rsync '>f.st...... a/b/c/deep.txt'
expect_line rsync '>f..t...... a/top.txt'
assert_same_result

run_both_again -ai -- "$SRC/" "$DST"
assert_same_output
expect_no_output treesync
pass
