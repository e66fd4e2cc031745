#!/bin/bash
# rsync's --no-X forms after -a.
. "$(dirname "$0")/lib.sh"
describe "-a with --no-links, --no-recursive, --no-perms, --no-times, --no-owner/--no-group (root: file owned by 1234) equals rsync"

make_mixed_tree "$SRC"
[ "$(id -u)" = 0 ] && chown -h 1234:5678 "$SRC/one_byte" "$SRC/rel_link" && stamp "$SRC"
copy_tree "$SRC" "$DST"
chmod 0600 "$DST/a/top.txt"
printf 'stale\n' >"$DST/a/b/mid.txt"
[ "$(id -u)" = 0 ] && chown -h 0:0 "$DST/one_byte" "$DST/rel_link"
rm -f "$DST/abs_link"
touch -d @1400000000 "$DST/a/b"

run_both -ai --no-links -- "$SRC/" "$DST"
expect_line rsync 'skipping non-regular file "abs_link"'
assert_same_result

run_both -ai --no-recursive -- "$SRC/" "$DST"
expect_line rsync 'skipping directory .'
assert_same_result

run_both -ai --no-recursive -- "$SRC/one_byte" "$SRC/a" "$DST"
assert_same_result

run_both -ai --no-perms -- "$SRC/" "$DST"
assert_same_result

run_both -ai --no-owner --no-group -- "$SRC/" "$DST"
assert_same_result

run_both -ai --no-times -- "$SRC/" "$DST"
assert_same_result --no-mtime
pass
