#!/bin/bash
# Every kind of type change of an existing DEST entry, with --delete (so a
# non-empty directory in the way can be removed).
. "$(dirname "$0")/lib.sh"
describe "type changes with --delete: file<->dir, dir->file/symlink (non-empty), file<->symlink, symlink target, symlink->dir, fifo<->file; DEST symlink to an outside dir is replaced, never followed"

mkdir -p "$SRC" "$DST" "$T/outside"
printf 'keep\n' >"$T/outside/keep"
snap "$T/outside" >"$T/outside.before"

# SRC side
mkdir -p "$SRC/file2dir/inner"; printf 'i\n' >"$SRC/file2dir/inner/f"
printf 'now a file\n' >"$SRC/dir2file"
printf 'now a file\n' >"$SRC/emptydir2file"
ln -s some/target "$SRC/dir2link"
ln -s target_of_f2l "$SRC/file2link"
printf 'was a link\n' >"$SRC/link2file"
ln -s new_target "$SRC/link_retarget"
ln -s same_len_b "$SRC/link_retarget_samelen"
mkdir -p "$SRC/link2dir"; printf 'x\n' >"$SRC/link2dir/x"
mkdir -p "$SRC/outside_link2dir"; printf 'x\n' >"$SRC/outside_link2dir/x"
printf 'was fifo\n' >"$SRC/fifo2file"
mkfifo "$SRC/file2fifo"
ln -s dangling "$SRC/dir2dangling"
stamp "$SRC"

# DEST side: same names, other types.
printf 'plain file\n' >"$DST/file2dir"
mkdir -p "$DST/dir2file/sub/deeper"; printf 'd\n' >"$DST/dir2file/sub/deeper/d"; printf 'e\n' >"$DST/dir2file/e"
mkdir -p "$DST/emptydir2file"
mkdir -p "$DST/dir2link/sub"; printf 'z\n' >"$DST/dir2link/sub/z"
printf 'plain\n' >"$DST/file2link"
ln -s whatever "$DST/link2file"
ln -s old_target "$DST/link_retarget"
ln -s same_len_a "$DST/link_retarget_samelen"
ln -s "$T/outside" "$DST/link2dir"
ln -s "$T/outside" "$DST/outside_link2dir"
mkfifo "$DST/fifo2file"
printf 'plain\n' >"$DST/file2fifo"
mkdir -p "$DST/dir2dangling"
stamp "$DST" 1400000000

run_both -ai --delete -- "$SRC/" "$DST"
expect_line rsync 'cLc.t...... link_retarget -> new_target'
expect_line rsync 'cL+++++++++ file2link -> target_of_f2l'
expect_line rsync '*deleting   dir2file/sub/deeper/d'
assert_same_result
assert_same_tree "$SRC" "$TS_DST"
snap "$T/outside" >"$T/outside.after"
assert_snap_equal "$T/outside.before" "$T/outside.after" "a DEST symlink to a dir outside DEST was followed"
pass
