#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "type changes without --delete: empty dir->file works, non-empty dir->file/symlink fails like rsync (exit 23)"

mkdir -p "$SRC" "$DST"
printf 'now a file\n' >"$SRC/emptydir2file"
printf 'now a file\n' >"$SRC/dir2file"
ln -s tgt "$SRC/dir2link"
printf 'ok\n' >"$SRC/ok"
mkdir -p "$SRC/file2dir"; printf 'i\n' >"$SRC/file2dir/i"
stamp "$SRC"
mkdir "$DST/emptydir2file"
mkdir -p "$DST/dir2file/sub"; printf 'x\n' >"$DST/dir2file/sub/x"
mkdir -p "$DST/dir2link/sub"; printf 'x\n' >"$DST/dir2link/sub/x"
printf 'f\n' >"$DST/file2dir"
stamp "$DST" 1400000000

run_both -ai -- "$SRC/" "$DST"
[ "$RS_RC" = 23 ] || fail "harness: rsync exit code $RS_RC, expected 23"
assert_same_result

# Only the unproblematic ones: exit 0.
rm -rf "$SRC/dir2file" "$SRC/dir2link"
touch -d @1500000000 "$SRC"     # never leave a source mtime in the current second
run_both -ai -- "$SRC/" "$DST"
assert_same_result
pass
