#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "perms-only changes (file, dir, fifo, setgid dir, sticky dir, exec bit) are applied without copying: .f...p....."

make_mixed_tree "$SRC"
mkdir -p "$SRC/sticky" "$SRC/setgid"
chmod 1777 "$SRC/sticky"; chmod 2775 "$SRC/setgid"
stamp "$SRC"
copy_tree "$SRC" "$DST"
chmod 0666 "$DST/one_byte"
chmod 0644 "$DST/private_file" "$DST/script.sh"
chmod 0755 "$DST/private_dir"
chmod 0700 "$DST/a/b"
chmod 0600 "$DST/fifo"
chmod 0755 "$DST/sticky" "$DST/setgid"

run_both -ai -- "$SRC/" "$DST"
expect_line rsync '.f...p..... private_file'
expect_line rsync '.d...p..... private_dir/'
expect_line rsync '.S...p..... fifo'
assert_same_result
assert_same_tree "$SRC" "$TS_DST" --no-nlink

# --no-perms (-a --no-p): modes are left alone.
copy_tree "$SRC" "$DST.2"; rm -rf "$DST"; mv "$DST.2" "$DST"
chmod 0666 "$DST/one_byte"; chmod 0700 "$DST/a/b"
run_both -ai --no-perms -- "$SRC/" "$DST"
assert_same_result
pass
