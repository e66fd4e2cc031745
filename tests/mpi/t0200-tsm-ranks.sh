#!/bin/bash
# treesync-mpi on 1, 2, 3 and 4 simulated hosts gives what treesync gives:
# the same destination tree (names, types, modes, sizes, contents, link
# targets, mtimes of files and directories) and the same itemized lines,
# sorted, for the differential suite's core scenarios -- an initial copy,
# a resync with changed, new, extraneous and retyped entries under
# --delete, a no-op resync, and a dry run (-n, nothing touched) whose
# lines are plain treesync's byte for byte, in the same order.  With
# several ranks the directories really are spread (ranks other than 0
# stole tasks).  Without a launcher it is treesync.  What it cannot spread
# yet (a DEST inside a source, dtask_unsupported()) is refused, said once,
# exit 1, on 2 ranks, with nothing changed.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi on 1-4 ranks"

tsm_setup

# The reference: plain treesync, one process, on the backing directories.
declare -A REF_TREE
ref() {
	local name=$1 kind=$2
	shift 2
	reset_dst "$kind"
	"$TREESYNC" "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "treesync $* exited $?"; }
	REF_TREE[$name]=$(tree_state "$B/dst")
	items "$T/ref.out" >"$T/ref.$name.items"
	raw_items "$T/ref.out" >"$T/ref.$name.raw"
}
# The item lines as printed, in their order (a dry run's are sorted by
# path: the same bytes for any number of ranks).
raw_items() { grep -E '^[.<>ch*][fdLDS ]|^\*deleting' "$1"; }
ref initial empty -a -i
ref resync tmpl -a -i --delete
ref dryrun tmpl -a -i -n --delete
[ "$(grep -c deleting "$T/ref.resync.items")" -ge 4 ] || fail "the reference deleted nothing"

spread=0
for np in 1 2 3 4; do
	for sc in initial resync noop dryrun; do
		case $sc in
		initial) reset_dst empty; args=(-a -i) ;;
		resync) reset_dst tmpl; args=(-a -i --delete) ;;
		noop) args=(-a -i --delete) ;;	# on resync's result: in sync
		dryrun) reset_dst tmpl; args=(-a -i -n --delete) ;;
		esac
		run "$np" "${args[@]}"
		[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 60; fail "$np ranks, $sc: exit $MPI_RC"; }
		want=${REF_TREE[$sc]:-${REF_TREE[resync]}}
		got=$(tree_state "$B/dst")
		[ "$got" = "$want" ] || {
			diff <(echo "$want") <(echo "$got") | head -20 | sed 's/^/    /'
			fail "$np ranks, $sc: the tree differs from treesync's"
		}
		if [ "$sc" = noop ]; then
			[ -z "$(items "$T/mpi.out")" ] || { items "$T/mpi.out" | head; fail "$np ranks: a no-op resync itemized changes"; }
		else
			items "$T/mpi.out" >"$T/got.items"
			diff "$T/ref.$sc.items" "$T/got.items" >"$T/items.diff" || {
				note_file "$T/items.diff" 20
				fail "$np ranks, $sc: the -i lines differ from treesync's"
			}
		fi
		if [ "$sc" = dryrun ]; then
			raw_items "$T/mpi.out" | cmp -s "$T/ref.dryrun.raw" - || {
				raw_items "$T/mpi.out" | diff "$T/ref.dryrun.raw" - | head -10 | sed 's/^/    /'
				fail "$np ranks, dry run: the -i lines are not treesync's, byte for byte and in order"
			}
		fi
		if [ "$np" -gt 1 ] && [ "$sc" = initial ]; then
			stole=$(stolen_by_others)
			note "$np ranks, initial copy: ranks 1.. stole $stole tasks"
			[ "$stole" -gt 0 ] && spread=$((spread + 1))
		fi
	done
	note "$np ranks: initial, resync, dry run, no-op as treesync ($(wc -l <"$T/ref.resync.items") lines)"
done
[ "$spread" = 3 ] || fail "the work was not spread: other ranks stole nothing in $((3 - spread)) of 3 runs"

# Without a launcher: treesync.
reset_dst tmpl
env -u OMPI_COMM_WORLD_SIZE "$TREESYNC_MPI_BIN" -a -i --delete "$B/src/" "$B/dst/" >"$T/plain.out" 2>&1 ||
	{ note_file "$T/plain.out"; fail "treesync-mpi without mpirun exited $?"; }
[ "$(tree_state "$B/dst")" = "${REF_TREE[resync]}" ] || fail "treesync-mpi without mpirun: another tree"
items "$T/plain.out" | diff -q "$T/ref.resync.items" - >/dev/null || fail "treesync-mpi without mpirun: other -i lines"

# What is not spread yet is refused, said once: a DEST inside a source.
mkdir -p "$T/in/dest/old"
echo keep >"$T/in/file"
echo old >"$T/in/dest/old/f"
before=$(tree_state "$T/in")
mpi 2 "$TREESYNC_MPI_BIN" -a --delete "$T/in/" "$T/in/dest/"
[ "$MPI_RC" = 1 ] || { note_file "$T/mpi.out"; fail "DEST inside the source on 2 ranks: exit $MPI_RC, not 1"; }
[ "$(grep -c 'a destination inside a source is not supported across several ranks' "$T/mpi.out")" = 1 ] ||
	{ note_file "$T/mpi.out"; fail "DEST inside the source on 2 ranks: not said once"; }
[ "$(tree_state "$T/in")" = "$before" ] || fail "DEST inside the source on 2 ranks: something was changed"
pass "1-4 ranks: trees and sorted -i lines as treesync's (a dry run's byte for byte, in order); work spread; a DEST inside a source refused on 2 ranks"
