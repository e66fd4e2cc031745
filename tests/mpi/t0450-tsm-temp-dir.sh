#!/bin/bash
# -T/--temp-dir on 2 and 3 simulated hosts, with a 160 MiB file split in
# chunks (t0250) and small files:
#  - -T on DEST's file system, outside DEST (absolute on 2 ranks, relative
#    to DEST on 3): every rank makes its temps there, the chunks of other
#    ranks find the owner's temp there (rank 1 copied chunks), nothing is
#    left in the temp dir or DEST, and the tree and the sorted -i lines
#    are plain `treesync -T`'s;
#  - -T on another mount (each rank's own device numbers: the temp is
#    copied again beside its final name, as plain treesync does): the
#    same tree, nothing left;
#  - ranks whose -T names different directories: exit 3, said once,
#    nothing copied.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi -T across ranks"
LFS=latency_us=1000,timeout=1
B=$T/b M=$T/m
mkdir -p "$B/src" "$B/d/dst" "$B/d/tmp" "$B/t/tmp" "$M/src" "$M/d" "$M/t" \
	"$T/plain/dst" "$T/plain/tmp"
head -c $((160 << 20)) /dev/urandom >"$B/src/big"
for i in 1 2 3 4 5 6; do
	mkdir -p "$B/src/s$i"
	for j in 1 2 3 4; do echo "file $i $j" >"$B/src/s$i/f$j"; done
done
touch -d @1600000000 "$B/src" "$B/src"/s*

"$TREESYNC" -ai -T "$T/plain/tmp" "$B/src/" "$T/plain/dst/" >"$T/plain.out" 2>&1 ||
	fail "plain treesync -T: exit $?"
items "$T/plain.out" >"$T/plain.items"
(cd "$T/plain/dst" && tree_state .) >"$T/plain.tree"

# trun NP ARGS...: treesync-mpi -j 2 ARGS $M/src/ $M/d/dst/ on NP hosts
# that mount $M/src, $M/d (DEST and a temp dir beside it) and $M/t.
trun() {
	local np=$1
	shift
	rm -f "$T"/spread.rank* "$T"/rc.rank*
	TREESYNC_MPI_STATS=$T/spread mpi "$np" "$MPI_DIR/simhost.sh" \
		-m "$B/src:$M/src:$LFS" -m "$B/d:$M/d:$LFS" -m "$B/t:$M/t:$LFS" -- bash -c \
		'"$@"; rc=$?; echo $rc >"$0/rc.rank$OMPI_COMM_WORLD_RANK"; exit $rc' "$T" \
		"$TREESYNC_MPI_BIN" -j 2 "$@" "$M/src/" "$M/d/dst/"
}
run() { trun "$@"; }
prepare_dst() { rm -rf "$B/d/dst" "$B/d/tmp" "$B/t/tmp" && mkdir "$B/d/dst" "$B/d/tmp" "$B/t/tmp"; }

# check NP WHAT: the last run made plain treesync's tree and lines, and
# left no temp anywhere.
check() {
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$1 ranks, $2: exit $MPI_RC"; }
	[ "$(cd "$B/d/dst" && tree_state .)" = "$(cat "$T/plain.tree")" ] ||
		fail "$1 ranks, $2: the tree is not plain treesync's"
	items "$T/mpi.out" | diff "$T/plain.items" - >"$T/diff" ||
		{ note_file "$T/diff"; fail "$1 ranks, $2: the -i lines are not plain treesync's"; }
	[ -z "$(find "$B/d/tmp" "$B/t/tmp" -mindepth 1)" ] || fail "$1 ranks, $2: something is left in the temp dir"
	[ -z "$(find "$B/d/dst" -name '*.tstmp')" ] || fail "$1 ranks, $2: a temp is left in DEST"
}

until_rank1 chunks 2 -ai -T "$M/d/tmp"
check 2 "-T beside DEST"
note "2 ranks, -T beside DEST: chunks by rank 1: $(rank_stat 1 chunks)"
until_rank1 chunks 3 -ai -T ../tmp
check 3 "-T ../tmp (relative to DEST)"
note "3 ranks, -T ../tmp: chunks by rank 1, 2: $(rank_stat 1 chunks) $(rank_stat 2 chunks)"

prepare_dst
trun 2 -ai -T "$M/t/tmp"
check 2 "-T on another mount"

# One -T per rank: the ranks do not see the same temp dir.
prepare_dst
mkdir -p "$B/d/tmp0" "$B/d/tmp1"
mpi 2 "$MPI_DIR/simhost.sh" -m "$B/src:$M/src:$LFS" -m "$B/d:$M/d:$LFS" -- \
	env M="$M" bash -c '"$@" -T "$M/d/tmp$OMPI_COMM_WORLD_RANK" "$M/src/" "$M/d/dst/"' \
	x "$TREESYNC_MPI_BIN" -j 2 -ai
[ "$MPI_RC" = 3 ] || { note_file "$T/mpi.out"; fail "a -T per rank: exit $MPI_RC, not 3"; }
[ "$(grep -c "do not see the same temp-dir" "$T/mpi.out")" = 1 ] ||
	{ note_file "$T/mpi.out"; fail "a -T per rank: not said once"; }
[ -z "$(ls -A "$B/d/dst")" ] || fail "a -T per rank: something was copied"
pass "-T beside DEST (absolute, relative) and on another mount over 2 and 3 ranks: plain treesync's tree and lines, chunks in the owner's temp, nothing left; a -T per rank: exit 3"
