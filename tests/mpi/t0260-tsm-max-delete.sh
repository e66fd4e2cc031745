#!/bin/bash
# --max-delete over every rank: each rank counts the removals it listed,
# the counts are summed, and every rank takes the same all-or-nothing
# decision.  The limit one below the whole plan (plain treesync's count)
# removes nothing anywhere, exits 25 on every rank and is said once with
# the whole count; the limit equal to it removes everything, as treesync.
# A rank that decided on its own share would delete its part under the
# lower limit (the work is spread: rank 1 stole directories).
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, --max-delete summed over the ranks"
tsm_setup

# The reference: plain treesync's count of the plan, and its tree.
reset_dst tmpl
"$TREESYNC" -a --delete --max-delete=0 "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1
rc=$?
[ "$rc" = 25 ] || { note_file "$T/ref.out"; fail "treesync --max-delete=0 exited $rc, not 25"; }
want=$(sed -n 's/.*--max-delete=0 limit: \([0-9]*\) deletions needed.*/\1/p' "$T/ref.out")
[ "${want:-0}" -ge 4 ] || { note_file "$T/ref.out"; fail "the reference plans ${want:-no} deletions"; }
reset_dst tmpl
"$TREESYNC" -a --delete "$B/src/" "$B/dst/" >/dev/null 2>&1 || fail "treesync --delete exited $?"
REF=$(tree_state "$B/dst")
TMPL=$(tree_state "$T/tmpl")

prepare_dst() { reset_dst tmpl; }
for np in 2 3; do
	until_rank1 dirs_stolen "$np" -a --delete --max-delete=$((want - 1))
	note "$np ranks: rank 1 stole $(rank_stat 1 dirs_stolen) directories; exit $MPI_RC"
	[ "$MPI_RC" = 25 ] || { note_file "$T/mpi.out" 40; fail "$np ranks, limit $((want - 1)): exit $MPI_RC, not 25"; }
	same_codes "$np" 25
	[ "$(grep -c -- "--max-delete=$((want - 1)) limit: $want deletions needed" "$T/mpi.out")" = 1 ] ||
		{ note_file "$T/mpi.out" 40; fail "$np ranks: the limit was not said once with the whole count $want"; }
	got=$(tree_state "$B/dst")
	# Copies and updates go ahead; only removals are held back: every
	# entry of the old DEST is still there.
	missing=$(comm -23 <(echo "$TMPL" | awk '{ print $1 }' | sort) <(echo "$got" | awk '{ print $1 }' | sort))
	[ -z "$missing" ] || { echo "$missing" | head -5 | sed 's/^/    /'; fail "$np ranks, limit $((want - 1)): entries were removed"; }

	reset_dst tmpl
	run "$np" -a --delete --max-delete="$want"
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "$np ranks, limit $want: exit $MPI_RC"; }
	[ "$(tree_state "$B/dst")" = "$REF" ] || fail "$np ranks, limit $want: not treesync's tree"
done
pass "2 and 3 ranks: the whole plan ($want removals) counted against --max-delete, all or nothing"
