#!/bin/bash
# A full disk on one simulated host ends the run on all of them with
# exit 11 and nothing deleted: rank 1's destination mount takes no file
# data (latencyfs enospc_after=0), the others' take everything.  Rank 1
# steals directories whose files it must copy; its first write fails with
# ENOSPC, which cancels every rank; the extraneous entries that any rank
# listed stay, no temp file is left, and every rank returns 11.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, a full disk on one rank"
tsm_setup

# DEST: only the extraneous entries of the older copy, so that every
# directory has files to copy.
mkdir -p "$T/extra/d1/d0" "$T/extra/d2/d1/d2" "$T/extra/d0/d2"
for p in extra.txt d1/d0/extra.txt d2/d1/d2/extra.txt; do cp -p "$T/tmpl/$p" "$T/extra/$p"; done
cp -a "$T/tmpl/d0/d2/gone" "$T/extra/d0/d2/"
prepare_dst() { rm -rf "$B/dst" && cp -a "$T/extra" "$B/dst"; }
for np in 2 3; do
	SIMHOST_OPTS="-R 1:$M/dst:enospc_after=0" until_rank1 errors "$np" -a -i --delete
	note "$np ranks: rank 1 failed $(rank_stat 1 errors) copies (stole $(rank_stat 1 dirs_stolen) directories, $(rank_stat 1 batches_stolen) batches); exit $MPI_RC"
	[ "$MPI_RC" = 11 ] || { note_file "$T/mpi.out" 40; fail "$np ranks: exit $MPI_RC, not 11"; }
	same_codes "$np" 11
	grep -q "No space left on device" "$T/mpi.out" || { note_file "$T/mpi.out" 40; fail "$np ranks: ENOSPC was not said"; }
	grep -q '^\*deleting' "$T/mpi.out" && fail "$np ranks: deletions were itemized"
	for p in extra.txt d1/d0/extra.txt d2/d1/d2/extra.txt d0/d2/gone/deeper/x; do
		[ -e "$B/dst/$p" ] || fail "$np ranks: $p was deleted after ENOSPC on rank 1"
	done
	left=$(find "$B/dst" -name '*.tstmp' | head -3)
	[ -z "$left" ] || fail "$np ranks: temp files left: $left"
done
pass "2 and 3 ranks: ENOSPC on rank 1 is exit 11 on every rank, nothing deleted, no temp left"
