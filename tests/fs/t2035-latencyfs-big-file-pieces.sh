#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "two latencyfs mounts: a 160 MiB file is copied in pieces by several workers at once (the source daemon sees READs from several callers at a time; -vv names the workers), the copy is exact; with -j1, or below 64 MiB, one caller; a read error in a piece fails the file (exit 23) and leaves the old copy and no temp"

# Not a timing: the source daemon records the most distinct callers
# (threads) it had READs in flight for at once (read_callers_peak).  One
# worker copying a file reads it alone (its readahead is in its name).
BA=$T/backing-a BB=$T/backing-b
mkdir -p "$BA/src" "$BB"
rand_file "$BA/src/big" $((160 << 20))
rand_file "$BA/src/mid" $((48 << 20))
mount_lfs "$BA" "$T/lfs-a" latency_us=200,timeout=0
mount_lfs "$BB" "$T/lfs-b" latency_us=200,timeout=0

# run NAME ARGS... SRC DST: one copy; sets PEAK (source callers at once).
run() {
    local name=$1
    shift
    # Zero the counters (USR2); the signals are handled in turn, so
    # the second refresh's USR1 comes after the reset.
    kill -USR2 "$(cat "$T/lfs-a.pid")"
    lfs_refresh "$T/lfs-a"
    lfs_refresh "$T/lfs-a"
    ts_measure "$name" "$@"
    [ "$TS_RC" -eq 0 ] || { ts_show "$name"; fail "$name: treesync exited $TS_RC"; }
    lfs_refresh "$T/lfs-a"
    PEAK=$(lfs_val "$T/lfs-a" read_callers_peak)
}

run split -a -j4 --stats -vv "$T/lfs-a/src/big" "$T/lfs-b/split/"
line=$(grep -m1 '^big: ' "$T/split.out")
note "-j4: source READs from $PEAK callers at once; -vv: $line"
record pieces "lfs A->lfs B (200us)" auto "$(moved_by split); $PEAK readers" $((160 << 20)) "$TS_SECS"
cmp -s "$BA/src/big" "$BB/split/big" || fail "-j4: the copy differs from the source"
no_temps "$BB/split"
[ "$PEAK" -ge 2 ] || fail "-j4: READs of the 160 MiB file came from $PEAK caller(s) at a time, want >= 2"
[[ $line =~ ,\ ([0-9]+)\ workers ]] && [ "${BASH_REMATCH[1]}" -ge 2 ] ||
    { ts_show split; fail "-j4: -vv does not say several workers copied it"; }
total=$(($(ts_bytes split read/write) + $(ts_bytes split copy_file_range) + $(ts_bytes split sendfile)))
[ "$total" -eq $((160 << 20)) ] || fail "-j4: --stats counts $total bytes, want $((160 << 20))"

# One worker: nobody to share with.
run one -a -j1 "$T/lfs-a/src/big" "$T/lfs-b/one/"
note "-j1: source READs from $PEAK caller(s) at once"
cmp -s "$BA/src/big" "$BB/one/big" || fail "-j1: the copy differs"
[ "$PEAK" -eq 1 ] || fail "-j1: READs from $PEAK callers at once, want 1"

# Below the threshold (64 MiB): one worker per file.
run mid -a -j4 "$T/lfs-a/src/mid" "$T/lfs-b/mid/"
note "48 MiB file, -j4: source READs from $PEAK caller(s) at once"
cmp -s "$BA/src/mid" "$BB/mid/mid" || fail "48 MiB: the copy differs"
[ "$PEAK" -eq 1 ] || fail "48 MiB: READs from $PEAK callers at once, want 1"

# A read error in the third piece (past 80 MiB): the file fails as with
# one worker (exit 23, a message about reading it), the destination's old
# copy stays, no temp is left.
BC=$T/backing-c
mkdir -p "$BC/src" "$BB/fail"
cp "$BA/src/big" "$BC/src/big"
rand_file "$BB/fail/big" 300000
cp -p "$BB/fail/big" "$T/big.old"
mount_lfs "$BC" "$T/lfs-c" "latency_us=200,timeout=0,fault_path=big,eio_read_after=$((80 << 20))"
ts_measure fail -a -j4 -vv "$T/lfs-c/src/" "$T/lfs-b/fail/"
msg=$(grep -m1 -i 'cannot\|error' "$T/fail.err")
note "read error at 80 MiB, -j4: exit $TS_RC: ${msg:-(no message)}"
[ "$TS_RC" -eq 23 ] || { ts_show fail; fail "read error: exit $TS_RC, want 23"; }
[[ $msg == *big* ]] || { ts_show fail; fail "read error: no message naming the file"; }
cmp -s "$T/big.old" "$BB/fail/big" || fail "read error: the old copy was changed"
no_temps "$BB/fail"
pass
