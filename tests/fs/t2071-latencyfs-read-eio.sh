#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "source on latencyfs whose reads fail with EIO past 1 MiB of one file: exit 23, the destination copy of that file untouched, the other files copied"

B=$T/backing
M=$T/lfs
D=$T/dst
mkdir -p "$B/src" "$D"
rand_file "$B/src/bad" $((4 << 20))
rand_file "$B/src/good" $((4 << 20))
rand_file "$B/src/small" 1000
rand_file "$D/bad" 300000                           # the old copy
touch -d '2001-02-03 04:05:06.123456789' "$D/bad"
cp -p "$D/bad" "$T/bad.old"
mount_lfs "$B" "$M" "latency_us=200,fault_path=bad,eio_read_after=$((1 << 20))"

for m in auto sendfile readwrite same-mount; do
    if [ "$m" = same-mount ]; then
        # Destination on the same mount: the daemon's copy_file_range
        # hits the bad spot.
        mkdir -p "$B/dst"
        cp -p "$T/bad.old" "$B/dst/bad"
        dst=$M/dst pair="lfs (eio_read_after)->same lfs"
        ts_measure "$m" -a --stats -vv "$M/src/" "$dst/"
    else
        rm -f "$D/good" "$D/small"
        dst=$D pair="lfs (eio_read_after)->ext4"
        ts_measure "$m" -a --stats -vv --copy-method="$m" "$M/src/" "$dst/"
    fi
    msg=$(grep -m1 -i 'cannot\|error' "$T/$m.err")
    note "$m: exit $TS_RC: ${msg:-(no message)}"
    record read-eio "$pair" "${m/same-mount/auto}" "$(moved_by "$m")" $(((8 << 20) + 1000)) "$TS_SECS" "exit $TS_RC: ${msg#treesync: }"
    [ "$TS_RC" -eq 23 ] || { ts_show "$m"; fail "$m: exit $TS_RC, want 23"; }
    [ -n "$msg" ] || { ts_show "$m"; fail "$m: no error message"; }
    [ "$m" = same-mount ] && dst=$B/dst
    cmp -s "$T/bad.old" "$dst/bad" || fail "$m: the destination copy of the unreadable file was changed"
    [ "$(stat -c %y "$dst/bad")" = "$(stat -c %y "$T/bad.old")" ] || fail "$m: its mtime changed"
    cmp -s "$B/src/good" "$dst/good" && cmp -s "$B/src/small" "$dst/small" ||
        fail "$m: the readable files were not copied"
    no_temps "$dst"
done
pass
