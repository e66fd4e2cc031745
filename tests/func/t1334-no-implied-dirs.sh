#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--no-implied-dirs like rsync: with -R and --files-from the directories on the way are not sent (no line, no attributes: a new one gets mkdir's mode, an existing one keeps its own), a DEST symlink there is followed only to a directory below DEST (else exit 23, nothing made), a file there fails the path (a dry run says nothing of it); without -R it changes nothing; --implied-dirs/--i-d undo it; -j 1 and 8"

mkdir -p "$SRC/a/b/c" "$SRC/a/d"
printf 'data\n' >"$SRC/a/b/c/file"
printf 'g\n' >"$SRC/a/d/g"
chmod 0750 "$SRC/a/b"
stamp "$SRC"
mkdir -p "$T/outside"

# The operands are relative to $T (lib.sh runs both tools there).
for j in 1 8; do
	TS_ONLY_OPTS=(-j "$j")
	rm -rf "$DST"
	# New implied directories: default mode, their own (new) times.
	run_both -aiR --no-implied-dirs -- src/./a/b/c/file src/./a/d "$DST/"
	assert_same_result --no-mtime-dirs
	run_both -aiRn --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result --no-mtime-dirs
	# Existing ones keep their mode and times (-R would set both).
	mkdir -p "$DST/a/b/c"
	chmod 0700 "$DST/a/b"
	stamp "$DST" 1400000000
	run_both -aiR --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result --no-mtime-dirs
	[ "$(stat -c %a.%y "$TS_DST/a/b")" = "$(stat -c %a.%y "$DST/a/b")" ] ||
		fail "--no-implied-dirs: the existing a/b was changed"
	run_both -aiR --no-i-d --delete -- src/./a/b/c "$DST/"
	assert_same_result --no-mtime-dirs
	run_both -aiR --no-implied-dirs --implied-dirs -- src/./a/b/c/file \
		"$DST/"
	assert_same_result --no-mtime-dirs
	# A symlink on the way: followed into DEST, not out of it.
	rm -rf "$DST"; mkdir -p "$DST/real"
	ln -s real "$DST/a"
	stamp "$DST" 1400000000
	run_both -aiR --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result --no-mtime-dirs
	run_both -aiR -- src/./a/b/c/file "$DST/"
	assert_same_result --no-mtime-dirs
	ln -sfn "$T/outside" "$DST/a"
	run_both -aiR --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result
	assert_rc treesync 23
	ln -sfn ../outside "$DST/a"
	run_both -aiR --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result
	run_both -aiRn --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result
	# A file on the way stays, and the path below it fails.
	rm -f "$DST/a"; printf 'x\n' >"$DST/a"
	run_both -aiR --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result
	assert_rc treesync 23
	run_both -aiRn --no-implied-dirs -- src/./a/b/c/file "$DST/"
	assert_same_result
done
TS_ONLY_OPTS=()
[ -e "$T/outside/b" ] && fail "--no-implied-dirs: wrote through a symlink out of DEST"

rm -rf "$DST"
run_both -aiR --no-implied-dirs -- src/./a/b/c/file "$DST/"
[ "$(stat -c %a "$TS_DST/a/b")" = "$(stat -c %a "$RS_DST/a/b")" ] ||
	fail "--no-implied-dirs: a/b's mode differs from rsync's"
[ "$(stat -c %a "$TS_DST/a/b")" = 750 ] &&
	fail "--no-implied-dirs: a/b got the source's mode"
grep -q ' a/b/$' "$T/treesync.out" && fail "--no-implied-dirs: a/b/ was listed"
grep -q ' a/b/$' "$T/rsync.out" && fail "harness: rsync listed a/b/"

# --files-from: the same.
printf 'a/b/c/file\n' >"$T/list"
run_both -ai --files-from="$T/list" --no-implied-dirs -- src/ "$DST/"
assert_same_result --no-mtime-dirs
# Without -R or --files-from: accepted, no effect.
run_both -ai --no-implied-dirs -- src/ "$DST/"
assert_same_result
pass
