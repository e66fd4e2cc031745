#!/bin/bash
# -L and --copy-unsafe-links in batches of files another rank steals, on
# 2 simulated hosts.  The origin's scan decides that a symlink to a file
# is followed (its entry is the referent's); the batch carries that
# decision, and the thief reads the file the link points to, found again
# from the source directory as the origin would (walk_referent()), never
# the link itself.  One directory of 96 small files, a symlink between
# every two files (to a file beside it, below a subdirectory, outside the
# source, a chain of two), so that every batch holds links; retried until
# rank 1 stole batches.  One directory: rank 0 lists the root, and a
# single queued task is not given away while a worker of rank 0 is free
# to start it, so rank 0 lists the directory and what rank 1 gets is
# batches of its files, queued or carved from a running one.  (With two
# directories, rank 1 took one and listed and copied it itself: under
# load, in 3 runs of 3.)  The tree, the sorted -i lines and the other
# lines are plain treesync's, rsync's tree, exit 0 on every rank.
# (Before, the batch lost the decision: the thief opened the link itself
# without following it, "cannot open ...: Too many levels of symbolic
# links", exit 23 on every rank.)
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, -L links in stolen batches of files"
B=$T/b M=$T/m
LFS=${LFS:-latency_us=500,timeout=0}
mkdir -p "$B/src" "$B/dst" "$M/src" "$M/dst" "$T/outside"
echo "outside the source" >"$T/outside/o.txt"
touch -d @1600000000 "$T/outside/o.txt"
for d in 0; do
	mkdir -p "$B/src/d$d/sub"
	echo "below d$d" >"$B/src/d$d/sub/t.txt"
	for i in $(seq -w 0 95); do
		printf 'd%s f%s\n' "$d" "$i" >"$B/src/d$d/f$i"
	done
	for i in $(seq -w 0 2 94); do
		case $((10#$i % 8)) in
		0) ln -s "f$i" "$B/src/d$d/f$i-l" ;;
		2) ln -s sub/t.txt "$B/src/d$d/f$i-l" ;;
		4) ln -s "$T/outside/o.txt" "$B/src/d$d/f$i-l" ;;
		6) ln -s "f$(printf %02d $((10#$i - 2)))-l" "$B/src/d$d/f$i-l" ;;
		esac
	done
done
# Every "-l" name a link to something that exists (a chain ends at a file).
for l in "$B"/src/d*/f*-l; do
	[ -e "$l" ] || fail "setup: $l dangles"
done
find "$B/src" -type d -exec touch -d @1599990000 {} +

# check NAME ARGS...: plain treesync, rsync's tree, then treesync-mpi on
# 2 ranks until rank 1 stole batches of files.
check() {
	local name=$1 ref
	shift
	reset_dst empty
	"$TREESYNC" -a -i "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "$name: treesync exited $?"; }
	ref=$(tree_state "$B/dst")
	items "$T/ref.out" >"$T/ref.items"
	others "$T/ref.out" >"$T/ref.others"
	reset_dst empty
	rsync -a "$@" "$B/src/" "$B/dst/" >"$T/rsync.out" 2>&1 ||
		{ note_file "$T/rsync.out"; fail "$name: rsync exited $?"; }
	[ "$(tree_state "$B/dst")" = "$ref" ] || fail "$name: treesync's tree is not rsync's"
	prepare_dst() { reset_dst empty; }
	until_rank1 batches_stolen 2 -i "$@" -a
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 20; fail "$name: exit $MPI_RC, not 0"; }
	same_codes 2 0
	as_ref "$name" "$ref"
	note "$name: as treesync and rsync ($(wc -l <"$T/ref.items") lines), rank 1 stole $(rank_stat 1 batches_stolen) batches, $(rank_stat 1 dirs_stolen) directories"
}

check "-L" -L
check "--copy-unsafe-links" --copy-unsafe-links
pass "2 ranks: -L and --copy-unsafe-links links in stolen batches copied as their referents, as treesync and rsync"
