#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "destination on latencyfs: fsync fails with EIO (--fsync), then the server runs out of space (ENOSPC after 2 MiB): exit 11 or 23 with a message, old file intact, no temp left"

B=$T/backing
M=$T/lfs
mkdir -p "$B/dst" "$T/src1" "$T/src2"
rand_file "$B/dst/victim" 100000                    # the old version
touch -d '2001-02-03 04:05:06.123456789' "$B/dst/victim"
cp -p "$B/dst/victim" "$T/victim.old"
rand_file "$T/src1/victim" 300000                   # fits in the budget
rand_file "$T/src2/victim" $((4 << 20))             # does not
mount_lfs "$B" "$M" "latency_us=200,fault_path=victim,fsync_errno=EIO,enospc_after=$((2 << 20))"

check() {   # check NAME CASE WANT...
    local name=$1 case=$2 msg w ok=
    shift 2
    msg=$(grep -m1 -i 'cannot\|error' "$T/$name.err")
    note "$case: exit $TS_RC: ${msg:-(no message)}"
    record "$case" "ext4->lfs" auto "$(moved_by "$name")" "$(stat -c %s "$T/${name}/victim" 2>/dev/null || echo ?)" "$TS_SECS" "exit $TS_RC: ${msg#treesync: }"
    for w in "$@"; do [ "$TS_RC" -eq "$w" ] && ok=1; done
    [ -n "$ok" ] || { ts_show "$name"; fail "$case: exit $TS_RC, want $*"; }
    [ -n "$msg" ] || { ts_show "$name"; fail "$case: no error message"; }
    cmp -s "$T/victim.old" "$B/dst/victim" || fail "$case: the old destination file was changed"
    [ "$(stat -c %y "$B/dst/victim")" = "$(stat -c %y "$T/victim.old")" ] || fail "$case: its mtime changed"
    no_temps "$B"
}
ts_measure src1 -a --fsync --stats "$T/src1/" "$M/dst/"
check src1 fsync-eio 11 23
ts_measure src2 -a --stats "$T/src2/" "$M/dst/"
check src2 lfs-enospc 11
pass
