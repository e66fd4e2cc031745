#!/bin/bash
# A big file in chunks across ranks: a 256 MiB file on 2 and 3 simulated
# hosts (1 ms a request): its owner keeps the head, the tail goes in 64
# MiB chunk tasks sent to the other ranks in turn, which open the source
# and the temp below their own roots and copy into the owner's temp; the
# copy is byte-identical, no temp is left, rank 1 copied chunks, and one
# rank (the owner) copied none: the tail is 2 or 3 chunks, more than the
# other ranks, and the turn came back to the owner before (it copied its
# share and a chunk: 1.75 GiB of 4 on 4 ranks, the others 0.75).  Then a read error in a chunk on rank 1
# (its source mount fails every READ of the file): the old DEST file stays
# as it was, no temp, exit 23 on every rank, and the extraneous entry is
# not deleted.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, a big file in chunks"
LFS=latency_us=1000,timeout=1
B=$T/b M=$T/m
mkdir -p "$B/src" "$B/dst" "$M/src" "$M/dst" "$T/old"
head -c $((256 << 20)) /dev/urandom >"$B/src/big"
echo small >"$B/src/small"
printf 'old contents\n' >"$T/old/big"
echo extraneous >"$T/old/extra"
sum=$(md5sum <"$B/src/big")

prepare_dst() { rm -rf "$B/dst" && mkdir "$B/dst"; }
for np in 2 3; do
	until_rank1 chunks "$np" -a --delete
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$np ranks: exit $MPI_RC"; }
	[ "$(md5sum <"$B/dst/big")" = "$sum" ] || fail "$np ranks: the copy differs"
	[ -z "$(find "$B/dst" -name '*.tstmp')" ] || fail "$np ranks: a temp is left"
	counts=$(for r in $(seq 0 $((np - 1))); do printf '%s ' "$(rank_stat "$r" chunks)"; done)
	note "$np ranks: chunks copied by rank 0..: $counts"
	case " $counts" in
	*" 0 "*) ;;
	*) fail "$np ranks: every rank copied chunks ($counts): the owner sent chunks to itself" ;;
	esac
done

prepare_dst() { rm -rf "$B/dst" && cp -a "$T/old" "$B/dst"; }
# Rank 1 must copy a chunk, not own the file: under load it often steals
# the file's task first (then the error is the owner's and rank 0 copies
# the chunk), so this scenario is tried more often.
UNTIL_TRIES=8 SIMHOST_OPTS="-R 1:$M/src:fault_path=big,eio_read_after=0" until_rank1 chunks 2 -a --delete
note "read error on rank 1: exit $MPI_RC, ranks $(rank_codes)"
[ "$MPI_RC" = 23 ] || { note_file "$T/mpi.out"; fail "a read error in a chunk: exit $MPI_RC, not 23"; }
same_codes 2 23
grep -q "Input/output error" "$T/mpi.out" || { note_file "$T/mpi.out"; fail "the read error was not said"; }
[ "$(cat "$B/dst/big")" = "old contents" ] || fail "the old DEST file was changed"
[ -e "$B/dst/extra" ] || fail "the extraneous file was deleted after a read error"
[ -z "$(find "$B/dst" -name '*.tstmp')" ] || fail "a temp is left after the read error"
pass "256 MiB in chunks over 2 and 3 ranks: identical; a read error in a chunk: old file kept, no temp, exit 23"
