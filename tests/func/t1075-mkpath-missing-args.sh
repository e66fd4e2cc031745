#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--mkpath, --ignore-missing-args, --delete-missing-args like rsync: DEST's missing parents made (rsync's 'created N directories' line), one file to a new name in a new path, a dry run makes nothing; a missing source operand left out silently (exit 0), or its DEST name deleted after the walk (a full directory only with --force or --delete); a missing 'dir/' is still an error"

mkdir -p "$SRC/dir/sub"
printf 'one\n' >"$SRC/dir/one"
printf 'sub\n' >"$SRC/dir/sub/f"
printf 'file\n' >"$SRC/file"
stamp "$SRC"

# A directory into a path of which only $T exists.
# (The parents made have the time they were made: compared without.)
run_both -ai --mkpath -- "$SRC/dir/" "$DST/a/b/c/"
assert_same_result --no-mtime-dirs
assert_same_tree "$RS_DST/a/b/c" "$TS_DST/a/b/c"
expect_line rsync 'created 4 directories for <DEST>/a/b/c'
[ -f "$TS_DST/a/b/c/sub/f" ] || fail "--mkpath: no a/b/c/sub/f"

# Without --mkpath rsync refuses (exit 11), and so does treesync.
run_both -ai -- "$SRC/dir/" "$DST/a/b/c/"
assert_rc treesync 11
[ -e "$TS_DST" ] && fail "without --mkpath a path was made"

# A dry run says the same and makes nothing.
run_both -ain --mkpath -- "$SRC/dir/" "$DST/a/b/"
assert_same_output
[ -e "$TS_DST" ] && fail "dry run made DEST"

# One file to a new name, and into a new directory.
run_both -ai --mkpath -- "$SRC/file" "$DST/x/y/newname"
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/x/y/newname" ] || fail "--mkpath: no x/y/newname"
run_both -ai --mkpath -- "$SRC/file" "$DST/x/y/"
assert_same_result --no-mtime-dirs
run_both -ain --mkpath -- "$SRC/file" "$DST/x/y/newname"
assert_same_output
[ -e "$TS_DST" ] && fail "dry run made a path for one file"

# Into an existing DEST, a path below it.
mkdir -p "$DST"
run_both -ai --mkpath -- "$SRC/dir/" "$DST/new/deeper/"
assert_same_result --no-mtime-dirs
assert_same_tree "$RS_DST/new/deeper" "$TS_DST/new/deeper"
rm -rf "$DST"

# --ignore-missing-args: the missing operand is no error.
run_both -ai --ignore-missing-args -- "$T/nonexistent" "$SRC/file" "$DST/"
# (DEST itself is made now, with no source to give it a time.)
assert_same_result --no-mtime-root
assert_rc treesync 0
run_both -ai --ignore-missing-args -- "$T/nonexistent" "$DST/"
assert_same_result --no-mtime-root
assert_rc treesync 0
run_both -ai -- "$T/nonexistent" "$SRC/file" "$DST/"
assert_same_output
assert_rc treesync 23
# (rsync makes DEST before it fails; treesync leaves it: t1100.)
run_both -ai --ignore-missing-args -- "$T/nothere/" "$DST/"
assert_rc rsync 23
assert_rc treesync 23

# --delete-missing-args: DEST's names of the missing operands go.
mkdir -p "$T/gone" "$DST/empty" "$DST/full/x"
printf 'f\n' >"$DST/file"
printf 'y\n' >"$DST/full/x/y"
printf 'z\n' >"$DST/other"
stamp "$DST" 1400000000
for extra in "" --force "-n --force" --delete; do
	# shellcheck disable=SC2086
	run_both -ai --delete-missing-args $extra -- "$T/gone/file" \
	    "$T/gone/empty" "$T/gone/full" "$T/gone/absent" "$DST/"
	assert_same_result --no-mtime-root	# deleting in it: the time then
done
expect_line rsync '*deleting   full/x/y'
[ -e "$TS_DST/other" ] || fail "--delete-missing-args deleted another name"
[ -e "$TS_DST/file" ] && fail "--delete-missing-args kept file"

# A missing operand ending in '..' names no entry of DEST: its directory
# is missing (rsync: exit 23, nothing deleted) -- never DEST's parent.
for tool in rsync treesync; do
	bin=rsync
	[ "$tool" = treesync ] && bin=$TREESYNC
	rm -rf "$T/sand"
	mkdir -p "$T/sand/DEST" "$T/sand/keep"
	printf 'k\n' >"$T/sand/keep/k"
	"$bin" -r --delete --delete-missing-args "$SRC/file" "$T/sand/missing/.." \
	    "$T/sand/DEST/" >"$T/sand.out" 2>"$T/sand.err"
	rc=$?
	[ "$rc" = 23 ] || fail "$tool: a missing 'x/..' operand: exit $rc, want 23 ($(cat "$T/sand.err"))"
	[ -e "$T/sand/keep/k" ] && [ -d "$T/sand/DEST" ] ||
		fail "$tool: a missing 'x/..' operand deleted in DEST's parent"
done
pass
