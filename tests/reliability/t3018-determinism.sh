#!/bin/bash
# RT-18 Parallelism determinism and resource bounds (G12).
#
# A generated tree of RT18_ENTRIES entries (default 100,000: a 20,000-file
# directory, a 40-level chain, 20 files of 1 MiB, ~80,000 small files,
# symlinks, FIFOs and empty directories in 50-entry leaf dirs) and an
# "older mirror" of it (cp -a, then ~3% rewritten, 2% deleted, 2% chmod,
# 2% touched, 1% file->dir, extraneous files and subtrees added).
# For -j 1, 2, 8, 64:
#   initial copy  `-a -i SRC/ empty/`
#   update        `-a -i --delete SRC/ copy-of-mirror/`
# Pass: every run exits 0; the DEST snapshots (type, mode, owner, size,
# content hash, mtime ns, link target) are identical across worker counts
# and equal to SRC; the sorted -i lines are identical across worker
# counts; a dry run (-n -i) prints byte-identical output for -j 1 and
# -j 64 (it is documented as sorted) and, sorted, the same lines as the
# real update (G8: a dry run is exact).  Every run uses the same DEST path
# (the "created directory" line names it).  Reported, not judged: peak open fds
# and peak RSS of the -j 64 update.
. "$(dirname "$0")/lib.sh"
cond "same DEST snapshot and same sorted -i lines for -j 1/2/8/64 (initial copy and --delete update), DEST == SRC; -n output byte-identical for -j 1/64"
need_treesync
build_helpers
n=${RT18_ENTRIES:-100000}
jobs=(1 2 8 64)

t0=$(now)
H bulktree make "$T/src" "$n" 42 >"$T/make.out" || fail "cannot generate the tree"
entries=$(sed -n 's/entries=//p' "$T/make.out")
cp -a "$T/src" "$T/base" || fail "cp -a"
H bulktree perturb "$T/base" 42 || fail "perturb"
note "tree: $entries entries, generated in $(elapsed "$t0")s"
H snap "$T/src" >"$T/src.snap"

bad_rc=0 snap_diff=0 items_diff=0 not_src=0
for j in "${jobs[@]}"; do
    # Initial copy.
    ts "$T/init.out" "$T/init.err" -a -i -j "$j" "$T/src/" "$T/init/"
    [ "$RC" = 0 ] || { bad_rc=$((bad_rc + 1)); note "initial -j $j: exit $RC"; note_file "$T/init.err" 3; }
    sort "$T/init.out" >"$T/init$j.items"
    H snap "$T/init" >"$T/init$j.snap"
    rm -rf "$T/init"
    # Update of the older mirror.
    cp -a "$T/base" "$T/upd"
    if [ "$j" = 64 ]; then
        # Peak RSS is only reported: a missing /usr/bin/time (Debian's
        # package "time") must not make the run itself fail.  Without it,
        # the peak is sampled from /proc (VmHWM) as the fds are.
        rss_cmd=()
        if [ -x /usr/bin/time ]; then
            rss_cmd=(/usr/bin/time -f '%M' -o "$T/rss")
        else
            note "/usr/bin/time is missing (apt-get install time): peak RSS sampled from /proc/PID/status every 20 ms"
        fi
        "${rss_cmd[@]}" "$TREESYNC" -a -i --delete -j "$j" "$T/src/" "$T/upd/" \
            >"$T/upd.out" 2>"$T/upd.err" &
        tpid=$!
        maxfd=0 maxhwm=0
        while kill -0 "$tpid" 2>/dev/null; do
            for p in $(pgrep -P "$tpid" 2>/dev/null) "$tpid"; do
                c=$(ls "/proc/$p/fd" 2>/dev/null | wc -l)
                [ "$c" -gt "$maxfd" ] && maxfd=$c
                h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
                [ "${h:-0}" -gt "$maxhwm" ] && maxhwm=$h
            done
            sleep 0.02
        done
        wait "$tpid"
        RC=$?
        if [ -s "$T/rss" ]; then peak_rss_kb=$(tail -n1 "$T/rss")
        else peak_rss_kb="${maxhwm}(sampled)"
        fi
    else
        ts "$T/upd.out" "$T/upd.err" -a -i --delete -j "$j" "$T/src/" "$T/upd/"
    fi
    [ "$RC" = 0 ] || { bad_rc=$((bad_rc + 1)); note "update -j $j: exit $RC"; note_file "$T/upd.err" 3; }
    sort "$T/upd.out" >"$T/upd$j.items"
    H snap "$T/upd" >"$T/upd$j.snap"
    rm -rf "$T/upd"
    for kind in init upd; do
        if ! cmp -s "$T/src.snap" "$T/$kind$j.snap"; then
            not_src=$((not_src + 1))
            note "$kind -j $j: DEST != SRC ($(diff "$T/src.snap" "$T/$kind$j.snap" | grep -c '^[<>]') lines)"
            diff "$T/src.snap" "$T/$kind$j.snap" | head -n 6 | sed 's/^/    | /'
        fi
        if [ "$j" != 1 ]; then
            cmp -s "$T/${kind}1.snap" "$T/$kind$j.snap" || { snap_diff=$((snap_diff + 1)); note "$kind: DEST for -j $j differs from -j 1"; }
            if ! cmp -s "$T/${kind}1.items" "$T/$kind$j.items"; then
                items_diff=$((items_diff + 1))
                note "$kind: sorted -i lines for -j $j differ from -j 1 ($(diff "$T/${kind}1.items" "$T/$kind$j.items" | grep -c '^[<>]') lines)"
                diff "$T/${kind}1.items" "$T/$kind$j.items" | head -n 6 | sed 's/^/    | /'
            fi
        fi
    done
done
lines_init=$(wc -l <"$T/init1.items")
lines_upd=$(wc -l <"$T/upd1.items")

# Dry runs: byte-identical output whatever the worker count.
dry_diff=0
ts "$T/n1.out" "$T/n1.err" -a -n -i --delete -j 1 "$T/src/" "$T/base/"
rc1=$RC
ts "$T/n64.out" "$T/n64.err" -a -n -i --delete -j 64 "$T/src/" "$T/base/"
if [ "$rc1" != 0 ] || [ "$RC" != 0 ] || ! cmp -s "$T/n1.out" "$T/n64.out"; then
    dry_diff=1; note "dry run: -j 1 (exit $rc1) and -j 64 (exit $RC) outputs differ"
fi
cmp -s "$T/n1.out" <(sort "$T/n1.out") || note "dry-run output is not in plain byte order (fine if documented: sorted by path)"
sort "$T/n1.out" | cmp -s - "$T/upd1.items" || { dry_diff=$((dry_diff + 1)); note "dry-run lines != real-run lines (sorted)"; diff <(sort "$T/n1.out") "$T/upd1.items" | head -n 6 | sed 's/^/    | /'; }

result entries="$entries" workers="${jobs[*]// /,}" itemize_lines_initial="$lines_init" itemize_lines_update="$lines_upd" \
    dest_differs="$snap_diff" items_differ="$items_diff" dest_not_src="$not_src" dry_run_differs="$dry_diff" \
    bad_exit="$bad_rc" peak_fds_j64="${maxfd:-?}" peak_rss_kb_j64="${peak_rss_kb:-?}" seconds="$(elapsed "$t0")"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc run(s) exited non-zero"
[ "$snap_diff" = 0 ] || check_fail "DEST differs between worker counts ($snap_diff)"
[ "$items_diff" = 0 ] || check_fail "itemize lines differ between worker counts ($items_diff)"
[ "$not_src" = 0 ] || check_fail "DEST != SRC in $not_src run(s)"
[ "$dry_diff" = 0 ] || check_fail "dry-run output not deterministic / not equal to the real run"
verdict "$entries entries, -j ${jobs[*]}: identical DEST and -i lines ($lines_init initial, $lines_upd update)"
