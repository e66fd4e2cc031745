#!/bin/bash
# --log-file on several ranks: rank 0 writes the one log, with every
# rank's lines (each with its own pid) after its own and before its
# closing line; no other rank touches the file.  The lines are plain
# treesync's for the same run (sorted: a real run logs in completion
# order), with one "starting" and one "finished" line.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, --log-file on several ranks"
tsm_setup

# body LOG: the log's lines without their "date time [pid] " prefix.
body() { sed -E 's/^[0-9/]+ [0-9:]+ \[[0-9]+\] //' "$1"; }

reset_dst tmpl
"$TREESYNC" -a -i --delete --log-file="$T/ref.log" "$B/src/" "$B/dst/" >/dev/null 2>&1 ||
	fail "treesync --log-file exited $?"
body "$T/ref.log" | sort >"$T/ref.lines"
[ "$(wc -l <"$T/ref.lines")" -ge 20 ] || fail "the reference log has $(wc -l <"$T/ref.lines") lines"

prepare_dst() { reset_dst tmpl; rm -f "$T/got.log"; }
for np in 2 3; do
	until_rank1 dirs_stolen "$np" -a -i --delete --log-file="$T/got.log"
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "$np ranks: exit $MPI_RC"; }
	# (the ranks see the tree through their own mounts at $M)
	body "$T/got.log" | sed "s#$M/#$B/#" | sort >"$T/got.lines"
	diff "$T/ref.lines" "$T/got.lines" >"$T/log.diff" || {
		note_file "$T/log.diff" 20
		fail "$np ranks: the log's lines are not treesync's"
	}
	pids=$(sed -E 's/^[0-9/]+ [0-9:]+ \[([0-9]+)\] .*/\1/' "$T/got.log" | sort -u | wc -l)
	note "$np ranks: rank 1 stole $(rank_stat 1 dirs_stolen) directories; $pids pids in the log"
	[ "$pids" -ge 2 ] || fail "$np ranks: the other ranks' lines are not in the log"
	[ "$(grep -c ' starting: ' "$T/got.log")" = 1 ] && [ "$(tail -n 1 "$T/got.log" | grep -c ' treesync finished: ')" = 1 ] ||
		fail "$np ranks: not one starting line and the finished line last"
done
pass "2 and 3 ranks: one log, every rank's lines, treesync's lines"
