#!/bin/bash
# -H under treesync-mpi: which link of a group is its first (copied; the
# others are 'hf' lines to it) is rsync's choice, made in rsync's order of
# the paths.  rsync compares a directory's name with its '/', so "a-b/"
# and "a.b/" come before "a/" (and "a b/" before "a-b/"), while a file
# before a directory wherever they part.  Groups whose links lie in such
# directories, none in DEST (the last link is the first) or one there
# (that one is): on 1 and 2 ranks the sorted -i lines are rsync -aHi's
# and the inode groups the source's.  And -H over a tree with no hard
# link at all, where no rank has a group to decide (an ASan/UBSan build
# once stopped there: qsort() of no members at NULL).
. "$(dirname "$0")/lib.sh"
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "-H across ranks: rsync's first link where names sort by '/'"

S=$T/src
mkdir -p "$S/a" "$S/a.b" "$S/a-b" "$S/a b" "$S/a/a.b" "$S/a/a" "$S/x" "$T/old/a.b"
mk() {	# mk FIRST LINKS...: a file and its other links
	local f=$1
	shift
	printf '%s\n' "$f" >"$S/$f"
	touch -d "2020-01-01 12:00" "$S/$f"
	for l in "$@"; do ln "$S/$f" "$S/$l"; done
}
mk a/g1 a.b/g1 a-b/g1 "a b/g1"
mk a/a/g2 a/a.b/g2 a/g2
mk x/g3 a/a/g3 a.b/g3.x a.b/g3
mk "a b/g4" a/g4 a-b/g4
# In the old DEST: g4's link in a.b/ (its first: the only one there).
mk a.b/g5 a/g5 a/a/g5
cp -p "$S/a.b/g5" "$T/old/a.b/g5"
touch -d "2020-02-01" "$S" "$S"/* "$S"/a/* "$T/old" "$T/old/a.b"

groups "$S" >"$T/want"
for old in empty old; do
	rm -rf "$T/rsync"
	if [ $old = empty ]; then mkdir "$T/rsync"; else cp -a "$T/old" "$T/rsync"; fi
	rsync -aHi "$S/" "$T/rsync/" >"$T/rsync.out" 2>&1 || fail "rsync exited $?"
	items "$T/rsync.out" >"$T/rsync.items"
	for np in 1 2; do
		rm -rf "$T/tsm"
		if [ $old = empty ]; then mkdir "$T/tsm"; else cp -a "$T/old" "$T/tsm"; fi
		mpi "$np" "$TREESYNC_MPI_BIN" -aHi "$S/" "$T/tsm/"
		[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$old DEST, $np ranks: exited $MPI_RC"; }
		items "$T/mpi.out" | diff -u "$T/rsync.items" - >"$T/diff" || {
			note_file "$T/diff"
			fail "$old DEST, $np ranks: the -i lines are not rsync's"
		}
		groups "$T/tsm" | diff -u "$T/want" - >"$T/diff" || {
			note_file "$T/diff"
			fail "$old DEST, $np ranks: the inode groups are not the source's"
		}
	done
	note "$old DEST: rsync's $(grep -c '^hf' "$T/rsync.items") hf lines on 1 and 2 ranks"
done
mkdir -p "$T/plain/d"
echo one >"$T/plain/d/f"
for np in 1 2; do
	rm -rf "$T/tsm"
	mpi "$np" "$TREESYNC_MPI_BIN" -aHi "$T/plain/" "$T/tsm/"
	[ "$MPI_RC" = 0 ] && cmp -s "$T/plain/d/f" "$T/tsm/d/f" || {
		note_file "$T/mpi.out"
		fail "no hard links, $np ranks: exited $MPI_RC"
	}
done
pass
