#!/bin/bash
# A cancel on the last rank after 300 tasks: on 1-4 ranks the run still
# ends on every rank, every rank learns of it (the final collective says
# cancelled), no task runs twice and some never run.
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "cancel mid-run"
for np in 1 2 3 4; do
	queue "$np" cancel us=200
done
pass "a cancel ends the run on every rank, no task twice"
