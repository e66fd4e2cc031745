#!/bin/bash
# No busy loop: rank 0 runs one task that sleeps 1.5 s; every rank's CPU
# time (getrusage: every thread, Open MPI's included) stays under 10% of
# the wall time, and idle ranks stop asking for work after a few requests.
# Positive control: the same run with poll_max=0 (the message loop polls
# without sleeping, as Open MPI's own blocking calls do) must fail the
# CPU check.
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "idle ranks sleep"
queue 4 idle ms=1500 limit=0.10
queue 1 idle ms=1500 limit=0.10
mpi 2 "$MPI_QUEUE_TEST" idle ms=1500 limit=0.10 poll_max=0
grep 'cpu/wall' "$T/mpi.out" | sed 's/^/    control: /'
[ "$MPI_RC" = 1 ] && grep -q 'of a CPU while idle' "$T/mpi.out" ||
	{ note_file "$T/mpi.out"; fail "a busy loop was not caught (exit $MPI_RC)"; }
pass "idle ranks under 10% CPU; the busy-loop control is caught"
