#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "two latencyfs mounts (pessimistic profile): the default run learns that read/write beats copy_file_range (a splice across mounts, 64 KiB WRITEs) and moves most bytes with it; --stats and the daemon's WRITE sizes agree; one mount keeps the server-side copy"

# Not a timing: which method carried the bytes, from --stats and from the
# destination daemon's counters.  Across two FUSE mounts copy_file_range
# "works" as an in-kernel splice whose every 64 KiB is a synchronous WRITE
# (and a GETXATTR); read/write sends 1 MiB WRITEs.  The chain may spend a
# few MiB measuring each method; the rest must go the fast way.
BA=$T/backing-a BB=$T/backing-b
mkdir -p "$BA/src/sub" "$BB"
rand_file "$BA/src/big" $((96 << 20))
rand_file "$BA/src/sub/mid" $((3 << 20))
for i in 1 2 3 4 5; do rand_file "$BA/src/sub/s$i" $((i * 7000)); done
total=$(du -sb --apparent-size "$BA/src" | awk '{ print $1 }')
total=$((total - $(find "$BA/src" -type d | wc -l) * 4096))
mount_lfs "$BA" "$T/lfs-a" latency_us=200,timeout=0
mount_lfs "$BB" "$T/lfs-b" latency_us=200,timeout=0

lfs_refresh "$T/lfs-b"
w0=$(lfs_val "$T/lfs-b" op.write) b0=$(lfs_val "$T/lfs-b" write_bytes)
ts_measure auto -a --stats "$T/lfs-a/src/" "$T/lfs-b/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show auto; fail "treesync exited $TS_RC"; }
lfs_refresh "$T/lfs-b"
writes=$(($(lfs_val "$T/lfs-b" op.write) - w0)) wbytes=$(($(lfs_val "$T/lfs-b" write_bytes) - b0))
rw=$(ts_bytes auto read/write) cfr=$(ts_bytes auto copy_file_range) sf=$(ts_bytes auto sendfile)
note "--stats: read/write $rw, copy_file_range $cfr, sendfile $sf of $total bytes"
note "destination daemon: $writes WRITEs for $wbytes bytes ($((wbytes / (writes > 0 ? writes : 1))) bytes each)"
record latencyfs-learn "lfs A->lfs B (200us)" auto "$(moved_by auto); B: $writes WRITEs" "$total" "$TS_SECS"
same_tree "$BA/src" "$BB/dst"
[ $((rw + cfr + sf)) -eq "$total" ] || fail "--stats counts $((rw + cfr + sf)) bytes, the files hold $total"
[ "$wbytes" -eq "$total" ] || fail "the destination daemon received $wbytes bytes, not $total"
[ $((rw * 10)) -ge $((total * 7)) ] ||
    fail "read/write carried $rw of $total bytes (want >= 70%): the splice kept the data"
# 64 KiB splice WRITEs for all of it would be $total / 65536 = 1,585.
[ "$writes" -le $(((cfr + sf) / 65536 + rw / (1 << 20) + 64)) ] ||
    fail "$writes WRITEs: more than the methods' bytes explain"

# One mount: copy_file_range is the server's own copy; nothing to learn,
# every byte stays there (as t2030).
lfs_refresh "$T/lfs-a"
r0=$(lfs_val "$T/lfs-a" read_bytes) c0=$(lfs_val "$T/lfs-a" copy_file_range_bytes)
ts_measure one -a --stats "$T/lfs-a/src/" "$T/lfs-a/dst-same/"
[ "$TS_RC" -eq 0 ] || { ts_show one; fail "one mount: treesync exited $TS_RC"; }
lfs_refresh "$T/lfs-a"
rd=$(($(lfs_val "$T/lfs-a" read_bytes) - r0)) cf=$(($(lfs_val "$T/lfs-a" copy_file_range_bytes) - c0))
note "one mount: daemon copy_file_range $cf, read $rd bytes"
same_tree "$BA/src" "$BA/dst-same"
[ "$cf" -eq "$total" ] && [ "$rd" -eq 0 ] ||
    fail "one mount: the server copied $cf of $total bytes, $rd were read through the client"
pass
