#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
command -v strace >/dev/null || skip "strace is not installed"
describe "on a network file system a directory's entries are looked at (statx) by several workers at once, on both sides, and a no-op still copies nothing (each statx is a round trip: one directory's 60 entries were 120 round trips one after another; bench/mpi/RESULTS.md)"

# One directory, so that the walk has one directory task: only the
# fan-out can put its statx calls on more than one thread.
NF=60
BA=$T/backing-a BB=$T/backing-b
mkdir -p "$BA/src/d" "$BB"
for i in $(seq 1 $NF); do printf '%06d\n' "$i" >"$BA/src/d/f$i"; done
LFS_PERMS=
mount_lfs "$BA" "$T/lfs-a" latency_us=2000,timeout=0
mount_lfs "$BB" "$T/lfs-b" latency_us=2000,timeout=0
"$TREESYNC" -a "$T/lfs-a/src/" "$T/lfs-b/dst/" || fail "first run exited $?"
same_tree "$BA/src" "$BB/dst"

# The no-op: "PID statx(5</.../src/d>, "f7", ...)": the thread, the side.
timeout "${CMD_TIMEOUT:-120}" strace -f -qq -y -e trace=statx \
    -o "$T/strace" -- "$TREESYNC" -ai -j16 "$T/lfs-a/src/" "$T/lfs-b/dst/" \
    >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "no-op under strace exited $?"; }
[ ! -s "$T/out" ] || { cat "$T/out"; fail "the no-op itemized changes"; }
for side in lfs-a/src/d lfs-b/dst/d; do
    calls=$(grep -cE "statx\([0-9]+<$T/$side>, \"f[0-9]+\"" "$T/strace")
    threads=$(grep -E "statx\([0-9]+<$T/$side>, \"f[0-9]+\"" "$T/strace" |
        awk '{ print $1 }' | sort -u | wc -l)
    note "$side: $calls statx of its files by $threads threads"
    [ "$calls" -ge "$NF" ] || fail "$side: $calls statx of its $NF files seen"
    [ "$threads" -ge 4 ] ||
        fail "$side: its $NF entries were looked at by $threads thread(s), want >= 4"
done
pass
