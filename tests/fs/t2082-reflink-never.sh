#!/bin/bash
. "$(dirname "$0")/lib.sh"
needs_option --reflink
need_loop btrfs
command -v filefrag >/dev/null || skip "filefrag not installed (e2fsprogs)"
describe "--reflink=never on btrfs: an independent copy (no shared extents, no copy_file_range, which reflinks implicitly); the default still reflinks"

M=$T/btrfs
mk_loopfs btrfs 128 "$M"
mkdir -p "$M/src"
rand_file "$M/src/big" $((16 << 20))
ts_measure never -a --stats --reflink=never "$M/src/" "$M/dst-never/"
[ "$TS_RC" -eq 0 ] || { ts_show never; fail "--reflink=never: exit $TS_RC"; }
cmp -s "$M/src/big" "$M/dst-never/big" || fail "--reflink=never: content differs"
read -r n shared < <(extent_counts "$M/dst-never/big")
cfr=$(ts_bytes never copy_file_range)
note "--reflink=never: $shared of $n extents shared, copy_file_range $cfr bytes, moved by $(moved_by never)"
record reflink-never "btrfs->btrfs" "auto --reflink=never" "$(moved_by never)" $((16 << 20)) "$TS_SECS"
[ "$shared" -eq 0 ] || fail "--reflink=never: $shared of $n extents shared"
[ "$cfr" -eq 0 ] || fail "--reflink=never used copy_file_range ($cfr bytes)"
ts_measure auto -a --stats "$M/src/" "$M/dst-auto/"
read -r n shared < <(extent_counts "$M/dst-auto/big")
[ "$TS_RC" -eq 0 ] && [ "$n" -gt 0 ] && [ "$shared" -eq "$n" ] || fail "the default no longer reflinks ($shared of $n shared, exit $TS_RC)"
pass
