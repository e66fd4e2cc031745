#!/bin/bash
# A cancel from a thread of the last rank (as a signal handler would),
# 150 ms into a tree of 2 ms tasks: on 1-4 ranks the run still ends on
# every rank, every rank learns of it before the final collective (which
# says cancelled everywhere), every task and message made is handed over
# exactly once (run, or marked cancelled so that it can clean up), and
# the tree is never completed.
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "cancel mid-run"
for np in 1 2 3 4; do
	queue "$np" cancel
done
pass "a cancel ends the run on every rank; every task handed over once"
