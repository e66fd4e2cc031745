#!/bin/bash
# A tree of 9,331 tasks seeded on rank 0, each sleeping 200 us and sending
# a mark to rank id % N: on 1, 2, 3 and 4 ranks every task and every mark
# runs exactly once, marks on their rank, and with several ranks every
# rank ran tasks it stole (test_mpi_queue checks; rank 0 prints the counts).
# Then tasks bigger than a steal reply's budget (300 KB each).
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "tree of tasks, 1-4 ranks"
for np in 1 2 3 4; do
	queue "$np" tree depth=5 fanout=6 us=200
	[ "${VERBOSE:-0}" = 1 ] && grep '^  tree rank' "$T/mpi.out"
done
queue 3 tree depth=3 fanout=5 us=200 pad=300000
pass "every task and mark exactly once on 1-4 ranks; stolen work on every rank"
