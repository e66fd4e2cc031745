#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--link-dest, --compare-dest, --copy-dest like rsync: the nightly hard-link snapshot (same tree, same inodes shared with yesterday's, same -i lines and exit code), with -H, --delete, several dirs, a dry run, -j 1 and 8"

# Yesterday's snapshot $T/prev, then today's source: some files unchanged,
# some changed in data, in mode only, in mtime only; new ones; symlinks,
# a FIFO, directories with and without changes; hard-link groups.
S=1500000000
mkdir -p "$SRC/d/deep" "$SRC/e" "$SRC/f" "$SRC/g"
for n in same1 same2 d/same3 d/deep/same4 data mode touched size; do
	printf 'content of %s\n' "$n" >"$SRC/$n"
done
ln -s target "$SRC/lnk"
ln -s target2 "$SRC/lnk2"
mkfifo "$SRC/fifo"
printf 'group\n' >"$SRC/h1"
ln "$SRC/h1" "$SRC/h2"
ln "$SRC/h1" "$SRC/d/h3"
printf 'pair\n' >"$SRC/p1"
ln "$SRC/p1" "$SRC/g/p2"
stamp "$SRC"
"$RSYNC" -aH "$SRC/" "$T/prev/" || fail "harness: rsync cannot make prev"
printf 'CONTENT of data\n' >"$SRC/data"	# same size, new data and mtime
touch -d "@$S" "$SRC/data"
chmod 0600 "$SRC/mode"
touch -d "@$((S + 7))" "$SRC/touched"
printf 'longer content of size\n' >"$SRC/size"
touch -d "@$S" "$SRC/size"
printf 'new\n' >"$SRC/new"
rm "$SRC/lnk2"; ln -s elsewhere "$SRC/lnk2"
touch -h -d "@$S" "$SRC/lnk2" "$SRC/new"
touch -d "@$((S + 9))" "$SRC/f"
mkdir "$SRC/brand_new_dir"; printf 'x\n' >"$SRC/brand_new_dir/x"
touch -d "@$S" "$SRC/brand_new_dir/x" "$SRC/brand_new_dir" "$SRC"

# shared DIR: the paths of DIR that are one inode with prev's same path.
shared() {
	(cd "$1" && find . ! -type d -printf '%p\n' | sort | while IFS= read -r p; do
		[ "$(stat -c %d:%i "$p")" = "$(stat -c %d:%i "$T/prev/$p" 2>/dev/null)" ] &&
			printf '%s\n' "$p"
	done)
}
assert_same_sharing() {
	shared "$RS_DST" >"$T/rs.shared"
	shared "$TS_DST" >"$T/ts.shared"
	diff -u "$T/rs.shared" "$T/ts.shared" >"$T/shared.diff" || {
		note "paths sharing prev's inode (- rsync, + treesync):"
		note_file "$T/shared.diff" 40
		fail "$1: not the same entries are hard links to prev"
	}
}

# The nightly snapshot into a new DEST: rsync's exact lines.
run_both -a --delete -i --link-dest=../prev -- "$SRC/" "$DST"
assert_same_result
assert_same_sharing "--link-dest"
expect_line rsync '>f..t...... data'
expect_line rsync 'cf...p..... mode'
expect_line rsync 'cd..t...... f/'
expect_line rsync 'cLc.t...... lnk2 -> elsewhere'
grep -qx './same1' "$T/rs.shared" || fail "scenario: rsync did not link same1"
[ "$(stat -c %h "$TS_DST/d/deep/same4")" -ge 3 ] || fail "d/deep/same4 is not a link to prev's"

# The same with -H, in parallel and on one worker.
for j in 8 1; do
	TS_ONLY_OPTS=(-j "$j")
	run_both -aH --delete -i --link-dest=../prev -- "$SRC/" "$DST"
	assert_same_result
	assert_same_sharing "-H --link-dest -j $j"
done
TS_ONLY_OPTS=()
[ "$(stat -c %i "$TS_DST/h2")" = "$(stat -c %i "$T/prev/h1")" ] ||
	fail "-H: h2 is not prev's h1"

# The other two kinds, and a list of dirs (the first missing: a warning).
for kind in compare-dest copy-dest; do
	run_both -ai --"$kind"=../nonexistent --"$kind"=../prev -- "$SRC/" "$DST"
	assert_same_result
	assert_same_sharing "--$kind"
done
grep -q 'arg does not exist' "$T/treesync.err" || fail "no warning for the missing dir"
run_both -ai --compare-dest=../prev -- "$SRC/" "$DST"
[ -e "$RS_DST/same1" ] && fail "scenario: rsync made same1 with --compare-dest"
[ -e "$TS_DST/same1" ] && fail "--compare-dest: same1 was made"

# Into an existing DEST: an exact match replaces a stale file by a link.
mkdir -p "$DST"
printf 'stale\n' >"$DST/same1"
cp -p "$SRC/same2" "$DST/same2"
run_both -ai --link-dest=../prev -- "$SRC/" "$DST"
assert_same_result
assert_same_sharing "--link-dest into an existing DEST"
# -ii says each DEST file it replaced by a link ("hf          same2").
cp -p "$SRC/same1" "$DST/same1"
cp -p "$SRC/same2" "$DST/same2"
run_both -aii --link-dest=../prev -- "$SRC/" "$DST"
assert_same_result
assert_same_sharing "--link-dest -ii into an existing DEST"
expect_line rsync 'hf          same2'
# --compare-dest: a DEST file equal to its match goes (rsync's), silently.
cp -p "$SRC/same2" "$DST/same1"
run_both -ai --compare-dest=../prev -- "$SRC/" "$DST"
assert_same_result --no-mtime-root
[ -e "$RS_DST/same1" ] && fail "scenario: rsync kept same1"
[ -e "$TS_DST/same1" ] && fail "--compare-dest: DEST's same1 was kept"
rm -rf "$DST"

# A dry run prints the real run's lines and changes nothing.
run_both -ain --link-dest=../prev -- "$SRC/" "$DST"
assert_same_output
[ -e "$TS_DST" ] && fail "dry run made DEST"

# -ii and --info=name2 (-vv's) list what was made as its match, as rsync:
# 'hf'/'hL' linked, '.f' left out, 'cf' copied, 'cd' for directories and
# './'; "X is uptodate" (and "d/ is uptodate").
for kind in link-dest compare-dest copy-dest; do
	for v in -ii --info=name2; do
		rm -rf "$DST"
		COMPARE_CREATED_DIR=0 run_both -a "$v" --"$kind"=../prev -- "$SRC/" "$DST"
		COMPARE_CREATED_DIR=0 assert_same_output
	done
done
rm -rf "$DST"

# Usage errors: two kinds, more than 20 dirs.
run_both -a --link-dest=../prev --compare-dest=../prev -- "$SRC/" "$DST"
assert_rc treesync 1
assert_same_output
many=()
for i in $(seq 21); do many+=("--link-dest=../p$i"); done
run_both -a "${many[@]}" -- "$SRC/" "$DST"
assert_rc treesync 1
assert_same_output

# A file system that will not hard-link a symlink (ENOTSUP, as HFS+ or a
# FUSE without link): the symlink is made as a local copy of its match and
# said once at -ii, "cL", the regular file still linked -- rsync 3.5.0's
# lines, seen with its testsuite's LD_PRELOAD linkat hook (the harness
# cannot hook rsync; treesync's TREESYNC_FAULTS does the same).
mkdir -p "$T/ln/src" "$T/ln/basis"
for d in src basis; do
	printf 'REGULAR-CONTENT' >"$T/ln/$d/reg"
	ln -s some-target "$T/ln/$d/sym"
	touch -h -d @1500000000 "$T/ln/$d/reg" "$T/ln/$d/sym"
done
# The roots too: made a clock tick apart, they would differ, and "./" would
# rightly be 'cd..t......' for rsync as for treesync.
touch -d @1500000000 "$T/ln/src" "$T/ln/basis"
if TREESYNC_FAULTS='no_such_call@1=EIO' "$TREESYNC" -n -r "$T/ln/src/" "$T/ln/probe/" >/dev/null 2>"$T/probe.err" ||
	! grep -q TREESYNC_FAULTS "$T/probe.err"; then
	skip "the link-refused check needs TREESYNC_FAULTS: $TREESYNC was built without -DTREESYNC_FAULT_INJECTION=ON (the checks before it passed)"
fi
TREESYNC_FAULTS='linkat@*=ENOTSUP:*sym*' "$TREESYNC" -aii --link-dest="$T/ln/basis" \
	"$T/ln/src/" "$T/ln/dst/" >"$T/ln.out" 2>"$T/ln.err" || { cat "$T/ln.err"; fail "links refused: exit $?"; }
printf '%s\n' 'created directory '"$T/ln/dst" 'cd          ./' 'hf          reg' \
	'cL          sym -> some-target' | diff - "$T/ln.out" ||
	fail "links refused: not rsync's lines (one 'cL' for the symlink, 'hf' for the file)"
[ "$(readlink "$T/ln/dst/sym")" = some-target ] || fail "links refused: no symlink made"
[ "$T/ln/dst/reg" -ef "$T/ln/basis/reg" ] || fail "links refused: the file was not linked"
pass
