#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_loop btrfs
command -v filefrag >/dev/null || skip "filefrag not installed (e2fsprogs)"
describe "within btrfs: --copy-dest copies an unchanged file from the alternate directory by FICLONE: its extents are prev's (shared), no byte moves through the chain even with --copy-method=readwrite; --reflink=never copies without sharing"

M=$T/btrfs
mk_loopfs btrfs 128 "$M"
mkdir -p "$M/src" "$M/prev"
rand_file "$M/src/big" $((8 << 20))
printf 'changed\n' >"$M/src/small"
# prev: the same file with extents of its own (not a reflink of src's).
cp --reflink=never -p "$M/src/big" "$M/prev/big"
printf 'old\n' >"$M/prev/small"
touch -d @1500000000 "$M/src/big" "$M/prev/big"
read -r n shared < <(extent_counts "$M/prev/big")
[ "$shared" -eq 0 ] || fail "harness: prev/big shares extents before the run"

ts_measure cd -a --stats -vv --copy-method=readwrite --copy-dest=../prev \
    "$M/src/" "$M/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show cd; fail "treesync exited $TS_RC"; }
same_tree "$M/src" "$M/dst"
rw=$(ts_bytes cd read/write)
note "--stats: read/write moved $rw bytes (small only: $(stat -c %s "$M/src/small"))"
[ "$rw" -eq "$(stat -c %s "$M/src/small")" ] ||
    { ts_show cd; fail "the chain moved $rw bytes: big was not cloned"; }
read -r n shared < <(extent_counts "$M/dst/big")
note "dst/big: $shared of $n extents shared"
[ "$n" -gt 0 ] && [ "$shared" -eq "$n" ] ||
    { filefrag -v "$M/dst/big" | sed 's/^/    /'; fail "dst/big is not a clone ($shared of $n extents shared)"; }
read -r n shared < <(extent_counts "$M/src/big")
[ "$shared" -eq 0 ] || fail "src/big shares extents: dst/big was cloned from the source, not from prev"
[ "$(stat -c %Y "$M/dst/big")" = 1500000000 ] || fail "dst/big does not have the source's mtime"

# Negative control: --reflink=never shares nothing.
ts_measure never -a --stats --copy-method=readwrite --reflink=never \
    --copy-dest=../prev "$M/src/" "$M/dst-never/"
[ "$TS_RC" -eq 0 ] || { ts_show never; fail "--reflink=never exited $TS_RC"; }
same_tree "$M/src" "$M/dst-never"
read -r n shared < <(extent_counts "$M/dst-never/big")
[ "$shared" -eq 0 ] || fail "--reflink=never: dst-never/big shares extents ($shared of $n)"
pass
