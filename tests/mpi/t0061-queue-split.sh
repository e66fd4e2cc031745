#!/bin/bash
# Split tasks (cfg.split: treesync-mpi carves the files a running batch
# has not started, tsm_main.c): rank 0 is seeded with one task of 240
# units of 2 ms, which one worker runs one after the other.  On 2, 3 and
# 4 ranks the idle ranks ask, nothing is queued, and rank 0 gives the
# later half of what its running task has left (and so on, thieves
# splitting what they got): every unit runs exactly once, every rank ran
# at least half its share.  Alone nothing is split.  (Without the split
# the other ranks ran nothing: "ran 0 of 240 units".)
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "split tasks: a running task's unstarted work goes to idle ranks"
queue 2 split n=240 us=2000
queue 3 split n=240 us=2000
queue 4 split n=240 us=2000
queue 1 split n=240 us=2000
pass "every unit once, every rank at least half its share on 2-4 ranks; alone, no split"
