#!/bin/bash
# --delete removes extraneous files, symlinks, fifos and nested directories.
. "$(dirname "$0")/lib.sh"
describe "-a --delete removes extraneous entries (nested extra dirs, in subdirs, symlink, fifo, dotfile); without --delete they stay"

make_small_tree "$SRC"
copy_tree "$SRC" "$DST"
mkdir -p "$DST/extra_dir/nested/deeper" "$DST/sub/deeper/extra_empty_dir" "$DST/extra_dir/empty"
printf 'x\n' >"$DST/extra_file"
printf 'x\n' >"$DST/.hidden_extra"
printf 'x\n' >"$DST/extra_dir/x"
printf 'x\n' >"$DST/extra_dir/nested/deeper/file"
printf 'x\n' >"$DST/sub/extra_in_sub"
ln -s nowhere "$DST/extra_link"
ln -s "$T/outside" "$DST/sub/extra_link_outside"
mkfifo "$DST/extra_fifo"
mkdir "$T/outside"; printf 'keep me\n' >"$T/outside/keep"
snap "$T/outside" >"$T/outside.before"
touch -d @1450000000 "$DST" "$DST/sub" "$DST/sub/deeper"

# Without --delete: extras stay, dir times are restored.
run_both -ai -- "$SRC/" "$DST"
assert_same_result

# With --delete.
run_both -ai --delete -- "$SRC/" "$DST"
expect_line rsync '*deleting   extra_dir/nested/deeper/file'
expect_line rsync '*deleting   extra_dir/'
expect_line rsync '*deleting   sub/extra_link_outside'
assert_same_result
assert_same_tree "$SRC" "$TS_DST"
snap "$T/outside" >"$T/outside.after"
assert_snap_equal "$T/outside.before" "$T/outside.after" "a symlink's target outside DEST was touched"

run_both_again -ai --delete -- "$SRC/" "$DST"
assert_same_output
expect_no_output treesync
pass
