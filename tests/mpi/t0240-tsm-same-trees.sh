#!/bin/bash
# Every host must see the same trees: on rank 1 of 2 another directory is
# mounted over the source's path (a host whose NFS mount is missing, or
# another export).  treesync-mpi compares the operands' and DEST's inodes
# over the ranks before the walk: exit 3 on every rank, said once by rank
# 0, DEST untouched.  Then the same with DEST replaced on rank 1, and
# with a --link-dest directory replaced on rank 1.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, hosts that see other trees"
tsm_setup
mkdir -p "$T/other/d0"
echo other >"$T/other/d0/f"

cat >"$T/elsewhere.sh" <<'SH'
#!/bin/bash
# Rank 1 sees directory $1 at path $2 (its own mount namespace).
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
	mount --bind "$1" "$2" || exit 75
fi
shift 2
exec "$@"
SH
chmod +x "$T/elsewhere.sh"

# alt: a --link-dest directory (each rank opens it from its own view).
mkdir -p "$T/alt"
for side in src dst alt; do
	reset_dst tmpl
	before=$(tree_state "$B/dst")
	where=$M/$side extra=()
	[ "$side" = alt ] && where=$T/alt extra=(--link-dest="$T/alt")
	TREESYNC_MPI_STATS=$T/spread mpi 2 "$MPI_DIR/simhost.sh" -m "$B/src:$M/src:$LFS" \
		-m "$B/dst:$M/dst:$LFS" -- "$T/elsewhere.sh" "$T/other" "$where" \
		"$TREESYNC_MPI_BIN" -a -i --delete "${extra[@]}" "$M/src/" "$M/dst/"
	[ "$MPI_RC" = 3 ] || { note_file "$T/mpi.out"; fail "another $side on rank 1: exit $MPI_RC, not 3"; }
	[ "$(grep -c 'do not see the same' "$T/mpi.out")" = 1 ] ||
		{ note_file "$T/mpi.out"; fail "another $side on rank 1: not said once"; }
	[ "$(tree_state "$B/dst")" = "$before" ] || fail "another $side on rank 1: DEST was changed"
	[ "$(cat "$T/other/d0/f")" = other ] && [ "$(ls "$T/other" | wc -l)" = 1 ] ||
		fail "another $side on rank 1: the other tree was changed"
	note "another $side on rank 1: $(grep 'do not see the same' "$T/mpi.out" | head -1)"
done
pass "a rank that sees another source, DEST or --link-dest directory: exit 3, said once, nothing touched"
