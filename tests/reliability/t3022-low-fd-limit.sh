#!/bin/bash
# RT-22 A low open-file limit makes a run slower, never fail (issue 16,
# item 6).
#
# SRC: 40 directories of two levels, 8 files each, hard links across
# directories, an xattr, per-directory .rsync-filter files (one excludes a
# name); DEST holds extraneous files.  With only fds 0-2 inherited and
# `ulimit -n` 10, 16, 32 and 64 (rsync 3.5.0 copies this tree with 10),
# each of these exits 0 and leaves DEST equal to what rsync makes with no
# limit:
#   -aHX -F --delete (a fresh DEST with extraneous files), then -aHXc -F
#   --delete -i after one file changed (one '>f' line), then -aHX -F -i
#   (no line: up to date).
# Below 64 fds treesync also says once, on stderr, how many workers the
# limit leaves room for.
# Before issue 16: "Too many open files" for files and merge files, exit
# 23, at 64 fds and below.
. "$(dirname "$0")/lib.sh"
cond "ulimit -n 10/16/32/64: -aHX -F --delete, -c rerun, no-op rerun all exit 0 with DEST == rsync's DEST; one warning line"
need_treesync
need_cmd rsync
need_cmd setfattr attr
build_helpers

S=$T/src
for i in $(seq -w 1 40); do
    mkdir -p "$S/d$i/sub"
    for j in 1 2 3 4; do
        printf 'file %s %s\n' "$i" "$j" >"$S/d$i/f$j"
        printf 'deep %s %s\n' "$i" "$j" >"$S/d$i/sub/g$j"
    done
done
for i in 01 11 21 31; do
    printf -- '- f4\n' >"$S/d$i/.rsync-filter"
done
ln "$S/d01/f1" "$S/d02/hl1"
ln "$S/d01/f1" "$S/d40/sub/hl2"
setfattr -n user.rt22 -v yes "$S/d05/f2"
# Directory times in the past: rsync 3.5.0 leaves a directory modified in
# the second its run starts with the time of its own writes.
find "$S" -type d -exec touch -d @1700000000 {} +

# extraneous DIR: files the --delete runs must remove.
extraneous() {
    mkdir -p "$1/gone/deeper" "$1/d03"
    echo x >"$1/gone/deeper/x"
    echo y >"$1/d03/stray"
}

extraneous "$T/ref"
rsync -aHX -F --delete "$S/" "$T/ref/" >/dev/null 2>"$T/rsync.err" </dev/null ||
    fail "rsync itself failed: $(head -3 "$T/rsync.err")"

runs=0 bad_runs=0
for n in 10 16 32 64; do
    D=$T/dst$n
    extraneous "$D"
    fdlimit "$n" "$TREESYNC" -aHX -F --delete "$S/" "$D/" >"$T/o$n.1" 2>"$T/e$n.1" </dev/null
    rc1=$?
    runs=$((runs + 1))
    if [ "$rc1" != 0 ]; then
        check_fail "ulimit -n $n: -aHX -F --delete exited $rc1"
        note_file "$T/e$n.1" 4
        bad_runs=$((bad_runs + 1))
    fi
    same_tree "$T/ref" "$D" || { check_fail "ulimit -n $n: DEST differs from rsync's"; bad_runs=$((bad_runs + 1)); }
    if [ "$n" -lt 64 ]; then
        w=$(grep -c 'open-file limit' "$T/e$n.1")
        [ "$w" = 1 ] || check_fail "ulimit -n $n: $w lines about the open-file limit (want 1)"
    fi
    [ "$(grep -vc 'open-file limit' "$T/e$n.1")" = 0 ] ||
        { check_fail "ulimit -n $n: other lines on stderr"; note_file "$T/e$n.1" 4; }
done

# A change, then -c and a no-op rerun at each limit.
printf 'changed\n' >>"$S/d17/sub/g3"
rsync -aHX -F --delete "$S/" "$T/ref/" >/dev/null 2>&1 </dev/null
for n in 10 16 32 64; do
    D=$T/dst$n
    fdlimit "$n" "$TREESYNC" -aHXc -F --delete -i "$S/" "$D/" >"$T/o$n.2" 2>"$T/e$n.2" </dev/null
    rc2=$?
    fdlimit "$n" "$TREESYNC" -aHX -F -i "$S/" "$D/" >"$T/o$n.3" 2>"$T/e$n.3" </dev/null
    rc3=$?
    runs=$((runs + 2))
    [ "$rc2" = 0 ] && [ "$(grep -c '^>f' "$T/o$n.2")" = 1 ] ||
        { check_fail "ulimit -n $n: -c rerun exit $rc2, $(grep -c '^>f' "$T/o$n.2") '>f' lines (want 1)"; note_file "$T/e$n.2" 4; bad_runs=$((bad_runs + 1)); }
    [ "$rc3" = 0 ] && [ ! -s "$T/o$n.3" ] ||
        { check_fail "ulimit -n $n: no-op rerun exit $rc3, $(wc -l <"$T/o$n.3") lines"; note_file "$T/e$n.3" 4; bad_runs=$((bad_runs + 1)); }
    same_tree "$T/ref" "$D" || check_fail "ulimit -n $n: DEST differs from rsync's after the change"
done

result runs="$runs" failed_runs="$bad_runs"
verdict "10, 16, 32 and 64 fds: $runs runs, DEST == rsync's"
