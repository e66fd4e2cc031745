#!/bin/bash
# -b with deletions that risk old backups ('--filter=R *~', and
# --delete-excluded), in batches of files another rank steals, on 2 and 3
# simulated hosts.  DEST holds, beside every file the run changes, an old
# backup f~; the run replaces f and makes its backup f~ (a hard link to the
# old f), and the deletion pass, after the walk, meets f~ listed as
# extraneous before that backup was made.  The rank that deletes a
# directory's extraneous entries is the one that listed it, often not the
# one that copied the stolen batch and made the backup, so a list of the
# backups a rank made does not help: the pass removes f~ only if it is
# still the inode listed.  Retried (up to 8 runs) until rank 1 stole
# batches: then every f~ holds the old f, the tree and the -i lines are
# plain treesync's (its tree is rsync's), every rank exits 0; a second run
# gives plain treesync's tree again (the old backups go) and a third
# changes nothing.  (Before, the entries of batches rank 1 stole lost
# their backups -- f~ gone, the only copy of the old f: 32 of 96 -- and
# --delete-excluded kept the old backups, an implied 'P *~'.)
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, -b backups in stolen batches kept from the deletion pass"
B=$T/b M=$T/m
LFS=${LFS:-latency_us=500,timeout=0}
mkdir -p "$B/src" "$B/dst" "$M/src" "$M/dst" "$T/tmpl"
for d in 0 1; do
	mkdir -p "$B/src/d$d" "$T/tmpl/d$d"
	for i in $(seq -w 0 47); do
		printf 'new d%s f%s\n' "$d" "$i" >"$B/src/d$d/f$i"
		touch -d @1600000100 "$B/src/d$d/f$i"
		printf 'old d%s f%s, the one to keep\n' "$d" "$i" >"$T/tmpl/d$d/f$i"
		touch -d @1600000000 "$T/tmpl/d$d/f$i"
		printf 'an old backup\n' >"$T/tmpl/d$d/f$i~"
		touch -d @1599999000 "$T/tmpl/d$d/f$i~"
	done
	printf 'same\n' >"$B/src/d$d/same"
	cp -a "$B/src/d$d/same" "$T/tmpl/d$d/same"
	printf 'an old backup of same\n' >"$T/tmpl/d$d/same~"
done
find "$B/src" "$T/tmpl" -type d -exec touch -d @1599990000 {} +

# Directories without their mtimes: the backups made in them set them to
# the time of the run (rsync's too), a few ms apart from one run to another.
eval "lib_$(declare -f tree_state)"
tree_state() { lib_tree_state "$1" | awk '$2 ~ /^40/ { $4 = 0 } { print }'; }

# kept_backups: every f~ in $B/dst holds the old f.
kept_backups() {
	local d i bad=0
	for d in 0 1; do
		for i in $(seq -w 0 47); do
			[ "$(cat "$B/dst/d$d/f$i~" 2>/dev/null)" = "old d$d f$i, the one to keep" ] ||
				bad=$((bad + 1))
		done
	done
	echo "$bad"
}

# check NAME NP ARGS...: plain treesync (rsync's tree), then
# treesync-mpi on NP ranks until rank 1 stole batches of files; then the
# second and third runs.
check() {
	local name=$1 np=$2 ref ref2 bad stolen
	shift 2
	reset_dst tmpl
	"$TREESYNC" -a -i -b "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "$name: treesync exited $?"; }
	ref=$(tree_state "$B/dst")
	[ "$(kept_backups)" = 0 ] || fail "$name: plain treesync lost $(kept_backups) backups"
	items "$T/ref.out" >"$T/ref.items"
	others "$T/ref.out" >"$T/ref.others"
	"$TREESYNC" -a -b "$@" "$B/src/" "$B/dst/" >"$T/ref2.out" 2>&1 ||
		{ note_file "$T/ref2.out"; fail "$name: treesync's second run exited $?"; }
	ref2=$(tree_state "$B/dst")
	reset_dst tmpl
	rsync -a -b "$@" "$B/src/" "$B/dst/" >"$T/rsync.out" 2>&1 ||
		{ note_file "$T/rsync.out"; fail "$name: rsync exited $?"; }
	[ "$(tree_state "$B/dst")" = "$ref" ] || fail "$name: treesync's tree is not rsync's"
	prepare_dst() { reset_dst tmpl; }
	UNTIL_TRIES=${UNTIL_TRIES:-8} until_rank1 batches_stolen "$np" -i -a -b "$@"
	stolen=$(rank_stat 1 batches_stolen)
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 20; fail "$name: exit $MPI_RC, not 0"; }
	same_codes "$np" 0
	bad=$(kept_backups)
	[ "$bad" = 0 ] || fail "$name: $bad of 96 backups f~ do not hold the old f (rank 1 stole $stolen batches)"
	as_ref "$name" "$ref"
	run "$np" -i -a -b "$@"
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 20; fail "$name: the second run exited $MPI_RC"; }
	[ "$(tree_state "$B/dst")" = "$ref2" ] || fail "$name: the second run's tree is not plain treesync's"
	run "$np" -i -a -b "$@"
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 20; fail "$name: the third run exited $MPI_RC"; }
	[ -z "$(items "$T/mpi.out")" ] || { items "$T/mpi.out" | note_file /dev/stdin; fail "$name: the third run changed something"; }
	note "$name, $np ranks: 96 backups kept, as treesync and rsync ($(wc -l <"$T/ref.items") lines), rank 1 stole $stolen batches"
}

check "--delete --filter='R *~'" 2 --delete --filter='R *~'
check "--delete-excluded" 3 --delete-excluded
pass "2 and 3 ranks: -b backups made in stolen batches kept by the deletion pass, as treesync and rsync"
