#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "latencyfs source on one mount, destination on another: the copy works, every byte is right, and it went through FUSE read (source) and write (destination), not a server-side copy"

# Across two FUSE mounts the kernel's fuse_copy_file_range gets EXDEV from
# its same-superblock check and falls back to an in-kernel splice copy
# (read on one mount, write on the other) instead of failing: treesync may
# count the bytes under copy_file_range, but the daemons see read/write.
BA=$T/backing-a BB=$T/backing-b
MA=$T/lfs-a MB=$T/lfs-b
mkdir -p "$BA/src/sub" "$BB"
rand_file "$BA/src/big" $((16 << 20))
rand_file "$BA/src/one" 1
rand_file "$BA/src/sub/five" 5000
rand_file "$BA/src/sub/seventy" 70000
total=$(((16 << 20) + 1 + 5000 + 70000))
mount_lfs "$BA" "$MA" latency_us=200
mount_lfs "$BB" "$MB" latency_us=200

for m in auto sendfile readwrite; do
    lfs_refresh "$MA"; lfs_refresh "$MB"
    ra=$(lfs_val "$MA" read_bytes) ca=$(lfs_val "$MA" copy_file_range_bytes)
    wb=$(lfs_val "$MB" write_bytes) cb=$(lfs_val "$MB" copy_file_range_bytes)
    ts_measure "$m" -a --stats -vv --copy-method="$m" "$MA/src/" "$MB/dst-$m/"
    [ "$TS_RC" -eq 0 ] || { ts_show "$m"; fail "--copy-method=$m exited $TS_RC"; }
    lfs_refresh "$MA"; lfs_refresh "$MB"
    ra=$(($(lfs_val "$MA" read_bytes) - ra)) ca=$(($(lfs_val "$MA" copy_file_range_bytes) - ca))
    wb=$(($(lfs_val "$MB" write_bytes) - wb)) cb=$(($(lfs_val "$MB" copy_file_range_bytes) - cb))
    fb=$(grep -h 'fell back' "$T/$m.out" "$T/$m.err" | head -n1)
    note "$m: treesync moved by $(moved_by "$m")${fb:+ ($fb)}; source daemon read $ra, cfr $ca; destination daemon write $wb, cfr $cb"
    record latencyfs-2mounts "lfs A->lfs B (200us)" "$m" "$(moved_by "$m"); A r $ra, B w $wb" "$total" "$TS_SECS"
    same_tree "$BA/src" "$BB/dst-$m"
    [ "$ca" -eq 0 ] && [ "$cb" -eq 0 ] || fail "$m: a server-side copy across two mounts ($ca, $cb bytes)"
    [ "$ra" -ge "$total" ] && [ "$wb" -eq "$total" ] ||
        fail "$m: source daemon read $ra, destination daemon wrote $wb (want >= $total, = $total)"
done
pass
