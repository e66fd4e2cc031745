#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "destination on latencyfs whose close (flush) fails with EIO, as NFS reports deferred write errors: exit 11 or 23 with a message, the old file intact, no temp file left"

B=$T/backing
M=$T/lfs
mkdir -p "$B/dst" "$T/src"
rand_file "$B/dst/victim" 200000                    # the old version
touch -d '2001-02-03 04:05:06.123456789' "$B/dst/victim"
cp -p "$B/dst/victim" "$T/victim.old"
rand_file "$T/src/victim" $((4 << 20))              # the new one
mount_lfs "$B" "$M" "latency_us=200,fault_path=victim,flush_errno=EIO"

for m in auto copy_file_range readwrite; do
    if [ "$m" = copy_file_range ]; then
        # A server-side copy: source and destination on the mount.
        mkdir -p "$B/src-in"
        cp -p "$T/src/victim" "$B/src-in/victim"
        src=$M/src-in/ pair="lfs->same lfs (flush_errno=EIO)"
    else
        src=$T/src/ pair="ext4->lfs (flush_errno=EIO)"
    fi
    ts_measure "$m" -a --stats -vv --copy-method="$m" "$src" "$M/dst/"
    msg=$(grep -m1 -i 'cannot\|error' "$T/$m.err")
    note "$m: exit $TS_RC: ${msg:-(no message)}"
    record flush-eio "$pair" "$m" "$(moved_by "$m")" $((4 << 20)) "$TS_SECS" "exit $TS_RC: ${msg#treesync: }"
    case $TS_RC in 11 | 23) ;; *) ts_show "$m"; fail "--copy-method=$m: exit $TS_RC, want 11 or 23" ;; esac
    [ -n "$msg" ] || { ts_show "$m"; fail "--copy-method=$m: no error message"; }
    cmp -s "$T/victim.old" "$B/dst/victim" || fail "--copy-method=$m: the old destination file was changed"
    [ "$(stat -c %y "$B/dst/victim")" = "$(stat -c %y "$T/victim.old")" ] ||
        fail "--copy-method=$m: the old destination file's mtime changed"
    no_temps "$B"
done
lfs_refresh "$M"
note "latencyfs: $(lfs_val "$M" faults_injected) faults injected, $(lfs_val "$M" op.flush) flushes"
[ "$(lfs_val "$M" faults_injected)" -ge 3 ] || fail "latencyfs injected no flush error"
pass
