#!/bin/bash
# As root: numeric owner/group preserved on create and fixed on existing
# entries (files, dirs, symlinks via lchown, fifo); --no-owner/--no-group.
. "$(dirname "$0")/lib.sh"
describe "(root) owner/group: SRC chowned to 1234:5678 is preserved on create and fixed in a stale DEST (.f....og...), symlinks too; --no-owner/--no-group"
need_root

make_mixed_tree "$SRC"
chown -R -h 1234:5678 "$SRC/a" "$SRC/one_byte" "$SRC/rel_link" "$SRC/fifo" "$SRC/empty_dir"
chown -h 4321 "$SRC/page_4096"          # owner only
chown -h :8765 "$SRC/private_file"      # group only
stamp "$SRC"
ls -ln "$SRC/one_byte" | grep -q ' 1234 5678 ' || skip "chown to unmapped ids does not work here"

# Initial copy.
run_both -ai -- "$SRC/" "$DST"
assert_same_result
assert_same_tree "$SRC" "$TS_DST" --no-nlink

# Stale DEST: everything owned by root.
copy_tree "$SRC" "$DST"
chown -R -h 0:0 "$DST"
run_both -ai -- "$SRC/" "$DST"
expect_line rsync '.f....og... one_byte'
expect_line rsync '.L....og... rel_link -> a/b/c/deep.txt'
expect_line rsync '.d....og... a/'
expect_line rsync '.f....o.... page_4096'
expect_line rsync '.f.....g... private_file'
assert_same_result
assert_same_tree "$SRC" "$TS_DST" --no-nlink

for opt in --no-owner --no-group; do
    run_both -ai "$opt" -- "$SRC/" "$DST"
    assert_same_result
done
rm -rf "$DST"
run_both -ai --no-owner --no-group -- "$SRC/" "$DST"
assert_same_result
pass
