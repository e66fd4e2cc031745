#!/bin/bash
# --copy-dest across ranks (altdest_lib.sh has the scenario): on 2 and 3
# simulated hosts, directories stolen, plain treesync's tree (matches
# copied from the alternate directory), sorted -i lines and exit code for
# an initial copy and with -H under --delete; a dry run is treesync's bytes
# on 1 and 3 ranks.  Then a 160 MiB file whose match (on another mount
# than DEST) has its size and time but other bytes: the match's bytes are
# copied (as rsync does), the other ranks reading their chunks from the
# alternate directory; under --link-dest the same file is linked and no
# rank copies a chunk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/altdest_lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "--copy-dest across ranks"

altdest_setup
altdest_suite copy-dest "initial hlinks" "1 3"

# The big file's match on a mount of its own (on DEST's, copy_file_range
# would be the server's copy: no chunks); its twin in prev for --link-dest.
rm -rf "$B/src"/* "$B/dst"/*
mkdir -p "$B/dst/prev" "$B/alt" "$M/alt"
head -c $((160 << 20)) /dev/urandom >"$B/src/big"
tr '\000-\377' '\001-\377\000' <"$B/src/big" >"$B/alt/big"
touch -r "$B/src/big" "$B/alt/big"
ln "$B/alt/big" "$B/dst/prev/big"
want=$(md5sum <"$B/alt/big")
prepare_dst() { rm -rf "$B/dst/cur"; }
for np in 2 3; do
	SIMHOST_OPTS="-m $B/alt:$M/alt:$LFS" until_rank1 chunks "$np" -a -i --copy-dest="$M/alt"
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$np ranks, --copy-dest, a big file: exit $MPI_RC"; }
	[ "$(md5sum <"$B/dst/cur/big")" = "$want" ] ||
		fail "$np ranks, --copy-dest: the big file is not its match's bytes"
	[ -z "$(find "$B/dst/cur" -name '*.tstmp')" ] || fail "$np ranks: a temp is left"
	note "$np ranks, --copy-dest: the match's bytes, rank 1 copied $(rank_stat 1 chunks) chunks"
done
prep empty
run 2 -a -i --link-dest=../prev
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "2 ranks, --link-dest, a big file: exit $MPI_RC"; }
[ "$(stat -c %i "$B/dst/cur/big")" = "$(stat -c %i "$B/dst/prev/big")" ] ||
	fail "2 ranks, --link-dest: the big file is not linked"
for r in 0 1; do
	[ "$(rank_stat "$r" chunks)" = 0 ] || fail "2 ranks, --link-dest: rank $r copied chunks"
done
pass "2-3 ranks: treesync's trees, lines and codes (-H); dry runs the same bytes on 1 and 3; a big file's match read in chunks"
