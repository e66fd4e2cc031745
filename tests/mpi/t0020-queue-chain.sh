#!/bin/bash
# Termination under stress: one task hops rank to rank (mpi_queue_send)
# 40 times, sleeping 2 ms at each, while every other rank is idle and keeps
# starting termination rounds.  No round may succeed before the last hop:
# every hop runs exactly once, on its rank, on 1-4 ranks.
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "a chain of sends across idle ranks"
for np in 1 2 3 4; do
	queue "$np" chain hops=40 us=2000
done
pass "no early termination over 40 hops on 1-4 ranks"
