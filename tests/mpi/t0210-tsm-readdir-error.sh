#!/bin/bash
# A directory read error on one simulated host stops deletion on all of
# them: rank 1's source mount fails every getdents below the root (EIO),
# rank 0's and the others' do not.  Whatever rank 1 stole cannot be
# listed; the extraneous entries the other ranks listed -- the root's
# extra.txt is always rank 0's -- must all stay, the run exits 23 on
# every rank, and the error is said by rank 0.  A rerun without the fault
# converges.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, a listing error on one rank"
tsm_setup

prepare_dst() { reset_dst tmpl; }
for np in 2 4; do
	SIMHOST_OPTS="-R 1:$M/src:readdir_eio=/d" until_rank1 dirs_stolen "$np" -a -i --delete
	note "$np ranks: rank 1 stole $(rank_stat 1 dirs_stolen) directories; exit $MPI_RC"
	[ "$MPI_RC" = 23 ] || { note_file "$T/mpi.out" 40; fail "$np ranks: exit $MPI_RC, not 23"; }
	same_codes "$np" 23
	grep -q "cannot read directory" "$T/mpi.out" ||
		{ note_file "$T/mpi.out" 40; fail "$np ranks: the listing error was not said"; }
	grep -q '^\*deleting' "$T/mpi.out" && { grep '^\*deleting' "$T/mpi.out" | head -5; fail "$np ranks: deletions were itemized"; }
	for p in extra.txt d1/d0/extra.txt d2/d1/d2/extra.txt d0/d2/gone/deeper/x; do
		[ -e "$B/dst/$p" ] || fail "$np ranks: $p was deleted after a listing error on rank 1"
	done
done

# The same run without the fault deletes them.
run 2 -a --delete
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "the rerun exited $MPI_RC"; }
[ ! -e "$B/dst/extra.txt" ] && [ ! -e "$B/dst/d0/d2/gone" ] || fail "the rerun without the fault did not delete"
[ "$(tree_state "$B/dst")" = "$(reset_dst empty; "$TREESYNC" -a "$B/src/" "$B/dst/"; tree_state "$B/dst")" ] ||
	fail "the rerun did not converge"
pass "2 and 4 ranks: a listing error on rank 1 keeps every rank from deleting (exit 23)"
