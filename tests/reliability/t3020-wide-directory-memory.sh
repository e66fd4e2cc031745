#!/bin/bash
# RT-20 One directory of many entries (issue 16, item 7): what treesync
# holds per entry of a single directory, above what it holds for a tiny
# tree, must stay under 100 bytes -- for the first copy and for the
# up-to-date rerun (both listings held at once).  rsync 3.5.0 needs about
# 82 bytes; treesync needed about 440 before listings were kept in columns
# and directories decided in chunks.
#
# Names like a data set's (16 characters), mtimes and sizes that differ
# from entry to entry, on a private tmpfs.  RT20_N entries (200,000 by
# default; RT20_N=1000000 is the issue's measurement).
. "$(dirname "$0")/lib.sh"
N=${RT20_N:-200000}
cond "a directory of $N entries costs under 100 bytes an entry of peak RSS (first copy and up-to-date rerun)"
need_treesync
need_root
need_cmd python3
[ -x /usr/bin/time ] || skip "needs /usr/bin/time (apt-get install time)"

mkdir -p "$T/m"
mount -t tmpfs -o size=2g,nr_inodes=$((2 * N + 1000)) tmpfs "$T/m" ||
    skip "cannot mount a tmpfs"
add_mount "$T/m"
mkdir -p "$T/m/src/wide" "$T/m/tiny"
python3 - "$T/m/src/wide" "$N" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = os.path.join(d, "obs_%07d.nc4" % i)
    with open(p, "wb") as f:
        f.write(b"x" * (i % 97))
    os.utime(p, ns=(1600000000 * 10**9 + i * 1000003, 1600000000 * 10**9 + i * 1000003))
PY
for i in 1 2 3 4 5 6 7 8 9 10; do echo "$i" >"$T/m/tiny/f$i"; done

# peak_kb OUT ARGS...: runs treesync under /usr/bin/time; the peak RSS in
# KiB into $PEAK, the exit code into $RC.
peak() {
    /usr/bin/time -f '%M' -o "$T/rss" "$TREESYNC" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    PEAK=$(tail -n1 "$T/rss")
}

peak -a "$T/m/tiny/" "$T/m/tiny-copy/"
base=$PEAK
[ "$RC" = 0 ] || fail "the tiny copy failed (exit $RC)"

peak -a "$T/m/src/" "$T/m/dst/"
first=$PEAK first_rc=$RC
peak -a --delete "$T/m/src/" "$T/m/dst/"
again=$PEAK again_rc=$RC

per() { awk -v p="$1" -v b="$base" -v n="$N" 'BEGIN { printf "%.0f", (p - b) * 1024 / n }'; }
first_per=$(per "$first") again_per=$(per "$again")
result entries="$N" base_kb="$base" first_kb="$first" first_B_per_entry="$first_per" \
    rerun_kb="$again" rerun_B_per_entry="$again_per"
[ "$first_rc" = 0 ] || { check_fail "the first copy exited $first_rc"; note_file "$T/err" 5; }
[ "$again_rc" = 0 ] || { check_fail "the rerun exited $again_rc"; note_file "$T/err" 5; }
[ "$(find "$T/m/dst/wide" -type f | wc -l)" = "$N" ] || check_fail "not every entry was copied"
[ "$first_per" -le 100 ] || check_fail "first copy: $first_per bytes an entry (limit 100)"
[ "$again_per" -le 100 ] || check_fail "up-to-date rerun: $again_per bytes an entry (limit 100)"
verdict "one wide directory: first copy $first_per B/entry, rerun $again_per B/entry"
