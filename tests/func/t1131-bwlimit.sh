#!/bin/bash
# --bwlimit=RATE in rsync's units (KiB a second; B K M G suffixes, "KB"
# powers of 1000; 0 none) is one limit for the whole run: eight files of
# 200 KiB with -j 8 take about as long as rsync takes them one after the
# other, the bytes divided by the rate.  --no-bwlimit turns it off; the
# values rsync refuses are refused with its exit code and message.
. "$(dirname "$0")/lib.sh"
describe "--bwlimit limits the whole run (all workers together) as rsync's one sender: same time within bounds; units, 0, --no-bwlimit, bad values"
need_func

mkdir -p "$SRC/sub"
for i in 1 2 3 4; do
    mkdata "$SRC/f$i" 204800
    mkdata "$SRC/sub/g$i" 204800
done
stamp "$SRC"
TS_ONLY_OPTS=(-j 8)
total=$((8 * 204800))

# timed TAG OPTS...: one tool into a new DEST; sets SECS.
timed() {
    local tag=$1 t0; shift
    t0=$(now)
    if [ "$tag" = rsync ]; then run_rs "$@"; else run_ts "$@"; fi
    SECS=$(elapsed "$t0")
}

# RATE (as written) BYTES_PER_SEC: both tools take at least 80% of
# total/rate (a limit that is not applied copies this in a few ms) and at
# most twice it plus 3 s; the trees equal.
check_rate() {
    local rate=$1 bps=$2 want lo hi
    want=$(awk -v t="$total" -v r="$bps" 'BEGIN { printf "%.2f", t / r }')
    lo=$(awk -v w="$want" 'BEGIN { printf "%.2f", w * 0.8 }')
    hi=$(awk -v w="$want" 'BEGIN { printf "%.2f", w * 2 + 3 }')
    rm -rf "$RS_DST" "$TS_DST"
    timed rsync -a --bwlimit="$rate" -- "$SRC/" "$DST"
    rs=$SECS
    timed treesync -a --bwlimit="$rate" -- "$SRC/" "$DST"
    ts=$SECS
    note "--bwlimit=$rate: ${want}s expected, rsync ${rs}s, treesync ${ts}s"
    [ "$RS_RC" = 0 ] && [ "$TS_RC" = 0 ] || fail "--bwlimit=$rate: exit $TS_RC, rsync $RS_RC"
    fle "$lo" "$rs" || fail "harness: rsync --bwlimit=$rate took ${rs}s, want >= ${lo}s"
    fle "$lo" "$ts" || fail "--bwlimit=$rate: treesync took ${ts}s, want >= ${lo}s (the limit is not the whole run's)"
    fle "$ts" "$hi" || fail "--bwlimit=$rate: treesync took ${ts}s, want <= ${hi}s"
    assert_same_tree "$RS_DST" "$TS_DST"
}

check_rate 800 $((800 * 1024))
check_rate 0.5m $((512 * 1024))
check_rate 1000KB $(((1000000 + 512) / 1024 * 1024))

# 0 (or empty, as rsync takes it) and --no-bwlimit: no limit (a second is plenty for 1.6 MB).
for opts in --bwlimit=0 --bwlimit= "--bwlimit=10 --no-bwlimit"; do
    rm -rf "$TS_DST"
    # shellcheck disable=SC2086
    timed treesync -a $opts -- "$SRC/" "$DST"
    [ "$TS_RC" = 0 ] || fail "$opts: exit $TS_RC"
    fle "$SECS" 5 || fail "$opts: took ${SECS}s, as if limited"
done

# Values rsync refuses: exit 1, rsync's message, nothing made.
for v in 511b 1x -5 1.5.5 1k5; do
    run_both -a --bwlimit="$v" -- "$SRC/" "$T/never"
    assert_rc rsync 1
    [ "$TS_RC" = 1 ] || fail "--bwlimit=$v: exit $TS_RC, want 1"
    want=$(head -n 1 "$T/rsync.err" | sed 's/^rsync: //')
    grep -qF -- "$want" "$T/treesync.err" || { note_file "$T/treesync.err"; fail "--bwlimit=$v: not rsync's message: $want"; }
    [ ! -e "$T/never" ] || fail "--bwlimit=$v: DEST was made"
done
pass
