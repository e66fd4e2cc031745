#!/bin/bash
# --timeout on every rank, as a watchdog: the source's file server dies
# (latencyfs hang_read_after=0: no read is ever answered) and a worker
# waits in the kernel for good.  The rank with the stuck worker says the
# timeout, the run is cancelled everywhere, and since the stuck call keeps
# the walk from ending, that rank gives up after its grace time: it
# removes its temps and exits 30, and mpirun ends the others.  Nothing is
# deleted, no temp is left in DEST, the job exits 30 -- on 1 rank under
# mpirun (before, --timeout was silently not watched there) and on 2.  A
# rerun without the fault converges.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, --timeout on a dead source server"
tsm_setup

for np in 1 2; do
	reset_dst tmpl
	started=$(date +%s)
	LFS="latency_us=500,timeout=0,hang_read_after=0" MPI_TIMEOUT=90 run "$np" -a --delete --timeout=3
	took=$(( $(date +%s) - started ))
	note "$np rank(s): exit $MPI_RC after ${took}s"
	[ "$MPI_RC" = 30 ] || { note_file "$T/mpi.out" 40; fail "$np rank(s): exit $MPI_RC, not 30"; }
	grep -q "timeout: no I/O progress for 3 seconds" "$T/mpi.out" ||
		{ note_file "$T/mpi.out" 40; fail "$np rank(s): the timeout was not said"; }
	[ "$took" -lt 60 ] || fail "$np rank(s): took ${took}s to give up"
	for p in extra.txt d1/d0/extra.txt d2/d1/d2/extra.txt d0/d2/gone/deeper/x; do
		[ -e "$B/dst/$p" ] || fail "$np rank(s): $p was deleted after a timeout"
	done
	leftover=$(find "$B/dst" -name '*.tstmp' | head -3)
	[ -z "$leftover" ] || fail "$np rank(s): temps left in DEST: $leftover"
done

run 2 -a --delete --timeout=30
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "the rerun without the fault exited $MPI_RC"; }
[ "$(tree_state "$B/dst")" = "$(reset_dst empty; "$TREESYNC" -a "$B/src/" "$B/dst/"; tree_state "$B/dst")" ] ||
	fail "the rerun did not converge"
pass "1 and 2 ranks: a dead source server times out (exit 30), nothing deleted, no temp; a rerun converges"
