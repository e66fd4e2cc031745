#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "latencyfs (200 us), source and destination on one mount: the daemon copies with copy_file_range (read/write bytes 0, copy_file_range bytes = file bytes); forced readwrite moves them through read/write"

B=$T/backing
M=$T/lfs
mkdir -p "$B/src/a" "$B/src/b"
rand_file "$B/src/big" $((16 << 20))
total=$((16 << 20))
for i in $(seq 1 20); do
    rand_file "$B/src/a/f$i" $((i * 1000))
    rand_file "$B/src/b/g$i" $((i * 517))
    total=$((total + i * 1000 + i * 517))
done
mount_lfs "$B" "$M" latency_us=200
lfs_refresh "$M"
r0=$(lfs_val "$M" read_bytes) w0=$(lfs_val "$M" write_bytes) c0=$(lfs_val "$M" copy_file_range_bytes)

ts_measure auto -a --stats -vv "$M/src/" "$M/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show auto; fail "treesync exited $TS_RC"; }
lfs_refresh "$M"
rd=$(($(lfs_val "$M" read_bytes) - r0))
wr=$(($(lfs_val "$M" write_bytes) - w0))
cfr=$(($(lfs_val "$M" copy_file_range_bytes) - c0))
note "latencyfs: read $rd, write $wr, copy_file_range $cfr bytes; $(lfs_val "$M" requests) requests"
note "--stats: copy_file_range $(ts_bytes auto copy_file_range), sendfile $(ts_bytes auto sendfile), read/write $(ts_bytes auto read/write) of $total"
record latencyfs-cfr "lfs->same lfs (200us)" auto "$(moved_by auto); daemon: cfr $cfr r $rd w $wr" "$total" "$TS_SECS"
same_tree "$B/src" "$B/dst"
[ "$cfr" -eq "$total" ] || fail "the daemon copied $cfr of $total bytes with copy_file_range"
[ "$rd" -eq 0 ] && [ "$wr" -eq 0 ] || fail "file data went through FUSE read/write ($rd read, $wr written)"
[ "$(ts_bytes auto copy_file_range)" -eq "$total" ] || { ts_show auto; fail "--stats does not count the bytes under copy_file_range"; }

# Negative control: forced read/write is visible in the daemon's counters.
lfs_refresh "$M"
r0=$(lfs_val "$M" read_bytes) w0=$(lfs_val "$M" write_bytes) c0=$(lfs_val "$M" copy_file_range_bytes)
ts_measure rw -a --stats --copy-method=readwrite "$M/src/" "$M/dst-rw/"
[ "$TS_RC" -eq 0 ] || { ts_show rw; fail "--copy-method=readwrite exited $TS_RC"; }
lfs_refresh "$M"
rd=$(($(lfs_val "$M" read_bytes) - r0))
wr=$(($(lfs_val "$M" write_bytes) - w0))
cfr=$(($(lfs_val "$M" copy_file_range_bytes) - c0))
note "readwrite: latencyfs read $rd, write $wr, copy_file_range $cfr bytes"
record latencyfs-cfr "lfs->same lfs (200us)" readwrite "$(moved_by rw); daemon: cfr $cfr r $rd w $wr" "$total" "$TS_SECS"
same_tree "$B/src" "$B/dst-rw"
[ "$cfr" -eq 0 ] && [ "$wr" -eq "$total" ] && [ "$rd" -ge "$total" ] ||
    fail "forced read/write: daemon counters read $rd, write $wr, cfr $cfr (want >= $total, $total, 0)"
pass
