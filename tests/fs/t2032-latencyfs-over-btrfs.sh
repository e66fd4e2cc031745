#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
need_loop btrfs
command -v filefrag >/dev/null || skip "filefrag not installed (e2fsprogs)"
describe "latencyfs over btrfs (an NFS 4.2 server on btrfs): a client copy_file_range becomes a server-side reflink; the backing copy shares its extents"

B=$T/btrfs
M=$T/lfs
mk_loopfs btrfs 128 "$B"
mkdir -p "$B/src"
rand_file "$B/src/big" $((16 << 20))
rand_file "$B/src/small" 3000
total=$(((16 << 20) + 3000))
mount_lfs "$B" "$M" latency_us=200

ts_measure auto -a --stats "$M/src/" "$M/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show auto; fail "treesync exited $TS_RC"; }
lfs_refresh "$M"
cfr=$(lfs_val "$M" copy_file_range_bytes)
rd=$(lfs_val "$M" read_bytes) wr=$(lfs_val "$M" write_bytes)
read -r n shared < <(extent_counts "$B/dst/big")
note "latencyfs: cfr $cfr, read $rd, write $wr; backing dst/big: $shared of $n extents shared"
record latencyfs-reflink "lfs/btrfs->same lfs (200us)" auto "$(moved_by auto); daemon cfr $cfr, $shared/$n shared" "$total" "$TS_SECS"
same_tree "$B/src" "$B/dst"
[ "$cfr" -eq "$total" ] && [ "$rd" -eq 0 ] && [ "$wr" -eq 0 ] ||
    fail "the data did not move by copy_file_range in the daemon (cfr $cfr, read $rd, write $wr)"
[ "$n" -gt 0 ] && [ "$shared" -eq "$n" ] || fail "the backing copy is not reflinked ($shared of $n extents shared)"
pass
