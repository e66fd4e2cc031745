#!/bin/bash
# A running batch of files gives its files not started yet to a rank that
# has nothing to do, on 2 simulated hosts with one worker each.  One
# directory of 42 files over a network-like file system (2 ms a request):
# rank 0 lists it and makes 3 batches of 14; rank 1 steals one of the two
# queued, rank 0 runs the others one after the other.  When rank 1 is
# done with its batch and asks again, nothing is queued: rank 0 must cut
# the files its running batch has not started in two and send rank 1 the
# later half (DT_FILES, as a stolen batch), which rank 1 copies into the
# same directory.  Checked: rank 0 split batches and rank 1 ran more
# batches than the one it could steal whole (retried up to 3 times: the
# timing decides when rank 1 asks); the tree, the sorted -i lines and the
# other lines are plain treesync's, the tree rsync's, exit 0 on both
# ranks.  (Before, rank 1 sat idle while rank 0 copied two batches:
# batches_split 0.)
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, a running batch's unstarted files to an idle rank"
B=$T/b M=$T/m
LFS=latency_us=2000,timeout=0
mkdir -p "$B/src" "$B/dst" "$M/src" "$M/dst"
for i in $(seq -w 0 41); do
	printf 'file %s\n' "$i" >"$B/src/f$i"
done
touch -d @1599990000 "$B/src"

"$TREESYNC" -a -i "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
	{ note_file "$T/ref.out"; fail "treesync exited $?"; }
ref=$(tree_state "$B/dst")
items "$T/ref.out" >"$T/ref.items"
others "$T/ref.out" >"$T/ref.others"
reset_dst empty
rsync -a "$B/src/" "$B/dst/" >"$T/rsync.out" 2>&1 ||
	{ note_file "$T/rsync.out"; fail "rsync exited $?"; }
[ "$(tree_state "$B/dst")" = "$ref" ] || fail "treesync's tree is not rsync's"

for attempt in 1 2 3; do
	reset_dst empty
	run 2 -a -i -j 1
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 20; fail "exit $MPI_RC, not 0"; }
	same_codes 2 0
	as_ref "attempt $attempt" "$ref"
	split=$(rank_stat 0 batches_split) got=$(rank_stat 1 batches_stolen)
	note "attempt $attempt: rank 0 split ${split:-?} batches, rank 1 ran ${got:-?} batches ($(rank_stat 1 copied) files), rank 0 copied $(rank_stat 0 copied)"
	[ "${split:-0}" -gt 0 ] && [ "${got:-0}" -gt 1 ] && break
	[ "$attempt" = 3 ] && fail "rank 0 never gave rank 1 the unstarted files of a running batch (3 runs)"
done
pass "2 ranks, one worker each: rank 0 split its running batch for idle rank 1; tree, -i lines and exit as treesync"
