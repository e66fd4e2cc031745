#!/bin/bash
# Every host must see the same trees: on rank 1 of 2 another directory is
# mounted over the source's path (a host whose NFS mount is missing, or
# another export).  treesync-mpi compares the operands' and DEST's inodes
# over the ranks before the walk: exit 3 on every rank, said once by rank
# 0, DEST untouched.  Then the same with DEST replaced on rank 1, and
# with a --link-dest directory replaced on rank 1.  The filter rules
# too: each rank builds its own, so a $CVSIGNORE (-C) that only one
# host's environment has, or "--exclude-from=-" (stdin reaches rank 0
# alone), would have a thief copy what the run excludes and delete what
# it protects: exit 3, said once, DEST untouched.  The same -C and rule
# file on every host (per-directory .cvsignore files, a stolen
# directory judged by them) runs as plain treesync.
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

# -C's names and per-directory files, the same on every rank.
for root in "$B/src" "$T/tmpl"; do
	echo f1.txt >"$root/d0/.cvsignore"
	echo "f2.txt d1" >"$root/d2/.cvsignore"
	echo f0.txt >"$root/d1/d1/.cvsignore"
done
echo "- *2.txt" >"$T/rules"
cvs_args=(-a -i -C --exclude-from="$T/rules")
reset_dst empty
CVSIGNORE=f3.txt "$TREESYNC" "${cvs_args[@]}" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
	{ note_file "$T/ref.out"; fail "treesync -C exited $?"; }
want=$(tree_state "$B/dst")
items "$T/ref.out" >"$T/ref.items"
! grep -q "^d0/f1.txt \|^d2/d1/\|f3.txt \|f2.txt " <<<"$want" &&
	grep -q "^d1/d1/d0/f0.txt " <<<"$want" && ! grep -q "^d1/d1/f0.txt " <<<"$want" ||
	fail "-C: the names and .cvsignore files did not act as expected"
prepare_dst() { reset_dst empty; }
CVSIGNORE=f3.txt until_rank1 dirs_stolen 2 "${cvs_args[@]}"
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "-C on 2 ranks: exit $MPI_RC"; }
[ "$(tree_state "$B/dst")" = "$want" ] || fail "-C on 2 ranks: the tree differs from treesync's"
items "$T/mpi.out" | diff "$T/ref.items" - >"$T/d" ||
	{ note_file "$T/d" 20; fail "-C on 2 ranks: the -i lines differ from treesync's"; }
note "-C, the same \$CVSIGNORE on 2 ranks: as treesync, rank 1 stole $(rank_stat 1 dirs_stolen) directories"

# Rules that differ between the ranks.
cat >"$T/cvsenv.sh" <<'SH'
#!/bin/bash
# Only rank 1's environment has CVSIGNORE.
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export CVSIGNORE=f3.txt; else unset CVSIGNORE; fi
exec "$@"
SH
chmod +x "$T/cvsenv.sh"
echo "- f3.txt" >"$T/stdin-rules"
for how in cvsignore stdin; do
	reset_dst tmpl
	before=$(tree_state "$B/dst")
	if [ "$how" = cvsignore ]; then
		wrap=("$T/cvsenv.sh") extra=(-C) stdin=/dev/null
	else
		wrap=() extra=(--exclude-from=-) stdin=$T/stdin-rules
	fi
	TREESYNC_MPI_STATS=$T/spread MPI_STDIN=$stdin mpi 2 "$MPI_DIR/simhost.sh" \
		-m "$B/src:$M/src:$LFS" -m "$B/dst:$M/dst:$LFS" -- "${wrap[@]}" \
		"$TREESYNC_MPI_BIN" -a -i --delete "${extra[@]}" "$M/src/" "$M/dst/"
	[ "$MPI_RC" = 3 ] || { note_file "$T/mpi.out"; fail "rules from $how on one rank: exit $MPI_RC, not 3"; }
	[ "$(grep -c 'do not have the same filter rules' "$T/mpi.out")" = 1 ] ||
		{ note_file "$T/mpi.out"; fail "rules from $how on one rank: not said once"; }
	[ "$(tree_state "$B/dst")" = "$before" ] || fail "rules from $how on one rank: DEST was changed"
	note "rules from $how on one rank: exit 3, said once"
done
pass "a rank that sees another source, DEST or --link-dest directory, or builds other filter rules: exit 3, said once, nothing touched; -C alike on 2 ranks as treesync"
