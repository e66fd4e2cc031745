#!/bin/bash
# Directories reached through a symlink that treesync follows, on 2
# simulated hosts: -L (a symlink to a directory copied as that
# directory), -k (--copy-dirlinks), -K (DEST's symlink to a directory
# kept, its target synchronised) and --files-from (a directory on the
# way to a listed path, sent as a directory).  A thief opens every path
# below its own roots with no symlink on it (RESOLVE_NO_SYMLINKS), so
# such a directory, and what lies below it, stays on the rank that
# followed the link; the rest is spread.  The tree, the sorted -i lines
# and the other lines are plain treesync's, every rank exits 0.
# (Before, a task stolen below such a link failed on the thief:
# "cannot open directory ...: Too many levels of symbolic links", a
# source or destination error, exit 23.)
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, directories through followed symlinks"
tsm_setup
# Three links to d1 (a subtree of 13 directories): most of the work of
# -L and -k lies below a link.
for n in 1 2 3; do ln -s d1 "$B/src/lnk$n"; done
rm "$B/src/d1/d1/dangling"	# -L: no referent, exit 23 in any case
# A link to a file in every directory: -L copies the file it points to,
# also in a batch of files another rank steals.
for f in $(find "$B/src" -mindepth 2 -name f1.txt); do ln -s f1.txt "${f%/*}/lf"; done
# -K: DEST's d2 is a symlink to a directory of DEST holding an old copy.
mkdir -p "$T/tmplK"
cp -a "$T/tmpl/." "$T/tmplK/"
mv "$T/tmplK/d2" "$T/tmplK/d2.real"
ln -s d2.real "$T/tmplK/d2"
# Nothing to make right in d2.real itself (its time would be the run's).
mkdir "$T/tmplK/d2.real/empty"
ln -s f1.txt "$T/tmplK/d2.real/lf"
touch -d @1599990000 "$T/tmplK/d2.real"
printf '%s\n' ./lnk1/d0/ lnk2/d2/d1 lnk3/ d0/d1 >"$T/list"	# "./": "." sent too
# Directory times from the past again (a DEST made in the same second
# would compare equal or not by chance).
touch -d @1599990000 "$B/src" "$B/src/d1/d1" "$T/tmplK"

reset_k() { rm -rf "$B/dst" && mkdir "$B/dst" && cp -a "$T/tmplK/." "$B/dst/"; }

# check NAME RESET ARGS...: plain treesync, then treesync-mpi on 2 ranks
# until rank 1 stole tasks, DEST reset by RESET each time.
check() {
	local name=$1 reset=$2 ref
	shift 2
	$reset
	"$TREESYNC" -a -i "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "$name: treesync exited $?"; }
	ref=$(tree_state "$B/dst")
	items "$T/ref.out" >"$T/ref.items"
	others "$T/ref.out" >"$T/ref.others"
	prepare_dst() { $reset; }
	until_rank1 stolen 2 -i "$@" -a
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "$name: exit $MPI_RC, not 0"; }
	same_codes 2 0
	as_ref "$name" "$ref"
	note "$name: as treesync ($(wc -l <"$T/ref.items") lines), rank 1 stole $(rank_stat 1 stolen) tasks"
}

empty() { reset_dst empty; }
check "-L" empty -L
check "-k" empty -k
check "-K" reset_k -K
check "--files-from through links" empty -r --files-from="$T/list"
pass "2 ranks: -L, -k, -K and --files-from through symlinks to directories as treesync, work spread"
