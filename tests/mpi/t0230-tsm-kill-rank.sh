#!/bin/bash
# kill -9 of one rank in the middle of the walk: the job ends (mpirun
# ends the others), nothing is deleted anywhere -- deletion only follows
# the collective that a dead rank never reaches -- and a rerun converges
# to treesync's tree.  The source mounts are slow (5 ms a request) so
# that the walk is still going when rank 1 is killed, 0.6 s after it
# started; a run that finished before the kill is said and fails.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, a rank killed"
LFS=latency_us=5000,timeout=0
tsm_setup

cat >"$T/killer.sh" <<'KILL'
#!/bin/bash
# Rank 1 runs the command and is killed outright after $KILL_AFTER s.
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
	"$@" &
	pid=$!
	sleep "$KILL_AFTER"
	kill -0 "$pid" 2>/dev/null && echo killed >"$KILL_MARK"
	kill -9 "$pid"
	wait "$pid"
	exit $?
fi
exec "$@"
KILL
chmod +x "$T/killer.sh"

reset_dst tmpl
rm -f "$T/killed"
KILL_AFTER=0.6 KILL_MARK=$T/killed TREESYNC_MPI_STATS=$T/spread mpi 3 "$MPI_DIR/simhost.sh" \
	-m "$B/src:$M/src:$LFS" -m "$B/dst:$M/dst:$LFS" -- \
	"$T/killer.sh" "$TREESYNC_MPI_BIN" -j 2 -a -i --delete "$M/src/" "$M/dst/"
[ -e "$T/killed" ] || { note_file "$T/mpi.out"; fail "rank 1 finished before it could be killed (exit $MPI_RC)"; }
killed_rc=$MPI_RC
note "rank 1 killed during the walk; mpirun exited $killed_rc"
[ "$MPI_RC" != 0 ] || fail "mpirun exited 0 after a rank was killed"
grep -q '^\*deleting' "$T/mpi.out" && { grep '^\*deleting' "$T/mpi.out" | head -3; fail "deletions itemized"; }
for p in extra.txt d1/d0/extra.txt d2/d1/d2/extra.txt d0/d2/gone/deeper/x; do
	[ -e "$B/dst/$p" ] || fail "$p was deleted though rank 1 died"
done
pgrep -f -- "latencyfs.*$M/" >/dev/null && fail "a latencyfs daemon outlived the job"

# The rerun (stale temps of the killed rank are swept) converges.
LFS=latency_us=200,timeout=0
run 3 -a --delete
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "the rerun exited $MPI_RC"; }
got=$(tree_state "$B/dst")
reset_dst tmpl
"$TREESYNC" -a --delete "$B/src/" "$B/dst/" >/dev/null 2>&1 || fail "treesync exited $?"
[ "$got" = "$(tree_state "$B/dst")" ] || fail "the rerun did not converge to treesync's tree"
[ -z "$(find "$B/dst" -name '*.tstmp')" ] || fail "temp files left after the rerun"
pass "3 ranks, rank 1 killed: nothing deleted, job failed ($killed_rc), rerun converged"
