#!/bin/bash
# Capped tasks (cfg.capped_max: directories to list over a network file
# system, tsm_main.c): rank 0 is seeded with 48 of them, each sleeping
# 40 ms, on 8 workers a rank.  On 2 and 3 ranks no rank ever runs more
# than 2 at once, and every other rank ran some it stole (without the cap
# rank 0's 8 workers took 8 at once and kept them).  Alone (1 rank) the
# cap does not apply: more than 2 run at once -- which is also what shows
# that the check would see a cap that does not hold.
. "$(dirname "$0")/lib.sh"
need_queue_test
describe "capped tasks: at most the cap at once on a rank, the rest stolen"
queue 2 cap n=48 cap=2 ms=40 workers=8
queue 3 cap n=48 cap=2 ms=40 workers=8
queue 1 cap n=48 cap=2 ms=40 workers=8
pass "at most 2 capped tasks at once with other ranks, the rest stolen; alone, no cap"
