#!/bin/bash
# --files-from with a "/./" prefix that goes through a symlink ("cur/./d0",
# cur -> d2: a "current" link to a snapshot, as -R /data/current/./proj
# makes too).  The origin opens the prefix as one operator path, following
# the link as rsync's chdir does (root.c root_sources()); a thief must open
# the same root source, then everything below it beneath, never through a
# symlink.  It opened the prefix one component at a time with
# RESOLVE_NO_SYMLINKS: every stolen directory failed (ELOOP, exit 23,
# nothing deleted).  On 2 ranks with rank 1 stealing, with -F rules in the
# root source and below it (rebuilt by the thief through the prefix too):
# the tree and the sorted -i lines are plain treesync's, exit 0.  A link in
# the list's path below the prefix is still never followed by a thief: the
# origin lists it as a symlink, not a directory.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, --files-from through a symlinked prefix"
tsm_setup
ln -s d2 "$B/src/cur"
printf -- '- f1.txt\n' >"$B/src/d2/.rsync-filter"
printf -- '- f2.txt\n' >"$B/src/d2/d0/.rsync-filter"
printf 'cur/./d0\ncur/./d1\ncur/./d2\n' >"$T/list"
args=(-a -r -i "--files-from=$T/list" -F)

reset_dst empty
"$TREESYNC" "${args[@]}" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
	{ note_file "$T/ref.out"; fail "treesync exited $?"; }
# (DEST's own time is not the list's to set: when the run ended.)
state() { tree_state "$B/dst" | awk '$1 == "." { $4 = "-" } 1'; }
want=$(state)
items "$T/ref.out" >"$T/ref.items"
grep -q "^d0/d1/f0.txt " <<<"$want" && grep -q "^d2/d2/f3.txt " <<<"$want" &&
	! grep -q "f1.txt " <<<"$want" && ! grep -q "^d0/d1/f2.txt " <<<"$want" &&
	grep -q "^d1/d1/f2.txt " <<<"$want" ||
	fail "treesync: the list through cur/ and its rules did not act as expected"

prepare_dst() { reset_dst empty; }
until_rank1 dirs_stolen 2 "${args[@]}"
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 20; fail "2 ranks: exit $MPI_RC, not 0"; }
same_codes 2 0
state | diff <(echo "$want") - >"$T/d" ||
	{ note_file "$T/d" 20; fail "2 ranks: the tree differs from treesync's"; }
items "$T/mpi.out" | diff "$T/ref.items" - >"$T/d" ||
	{ note_file "$T/d" 20; fail "2 ranks: the -i lines differ from treesync's"; }
note "2 ranks: as treesync, rank 1 stole $(rank_stat 1 dirs_stolen) directories, $(rank_stat 1 batches_stolen) batches"
pass "a --files-from prefix through a symlink on 2 ranks: treesync's tree and lines, -F rules rebuilt by the thief"
