#!/bin/bash
# The end-of-run collective: OR, SUM and MAX over ranks, the same values
# on every rank, and a layout mismatch between ranks refused on every
# rank; a run with no task at all still ends.  1-4 ranks.
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "combine and empty runs"
for np in 1 2 3 4; do
	queue "$np" combine
	queue "$np" empty
done
pass "the same combined values on every rank; empty runs end"
