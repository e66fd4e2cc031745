#!/bin/bash
# RT-11 Replacements go through the destination gate (issue 10, items 2
# and 3).
#
# A directory in DEST that SRC has as a symlink or a file is removed with
# everything inside when --delete allows it: every one of those removals
# counts against --max-delete, all or nothing, and waits for a clean walk.
#  1. DEST/data holds 500 files, SRC/data is a symlink, --max-delete=10:
#     exit 25, DEST unchanged, the message gives the 501 removals needed.
#  2. SRC/data a file, --max-delete=0: exit 25, DEST unchanged, no
#     "*deleting" line (rsync and treesync before the gate: all deleted).
#  3. Extraneous entries and a replacement together, the limit exactly
#     their sum: everything done, exit 0.
#  4. A source directory that cannot be read elsewhere (as nobody): no
#     replacement is made either (exit 23, data/ intact).
#  5. -x --delete with a tmpfs mounted inside DEST (extraneous, and below a
#     kept directory): nothing on the tmpfs is touched, exit 0 (rsync's).
. "$(dirname "$0")/lib.sh"
cond "removals made to replace entries count against --max-delete (all or nothing), wait for a clean walk, and never cross a mount under -x"
need_treesync
need_root
build_helpers

mkdir -p "$T/base/data" "$T/src/keep"
for i in $(seq 1 500); do echo "$i" >"$T/base/data/f$i"; done
echo keep >"$T/src/keep/k"
ln -s elsewhere "$T/src/data"
wrong=0 refused=0 done_ok=0

for lim in 10 500; do
    rm -rf "$T/dst"; cp -a "$T/base" "$T/dst"
    H snap -c "$T/dst/data" >"$T/before"
    ts "$T/out" "$T/err" -a -i --delete --max-delete="$lim" "$T/src/" "$T/dst/"
    [ "$RC" = 25 ] && refused=$((refused + 1)) ||
        { wrong=$((wrong + 1)); note "symlink over data/, --max-delete=$lim: exit $RC, expected 25"; note_file "$T/err" 3; }
    diff -q "$T/before" <(H snap -c "$T/dst/data") >/dev/null ||
        { wrong=$((wrong + 1)); note "--max-delete=$lim: DEST changed ($(ls "$T/dst/data" 2>/dev/null | wc -l) of 500 left)"; }
    grep -q 501 "$T/err" || { wrong=$((wrong + 1)); note "--max-delete=$lim: the message does not say 501 removals are needed"; }
    grep -q deleting "$T/out" && { wrong=$((wrong + 1)); note "--max-delete=$lim: '*deleting' lines for removals that did not happen"; }
done

rm -f "$T/src/data"; echo file >"$T/src/data"
rm -rf "$T/dst"; cp -a "$T/base" "$T/dst"
H snap -c "$T/dst/data" >"$T/before"
ts "$T/out" "$T/err" -a -i --delete --max-delete=0 "$T/src/" "$T/dst/"
[ "$RC" = 25 ] && refused=$((refused + 1)) || { wrong=$((wrong + 1)); note "file over data/, --max-delete=0: exit $RC"; }
diff -q "$T/before" <(H snap -c "$T/dst/data") >/dev/null ||
    { wrong=$((wrong + 1)); note "--max-delete=0: DEST changed"; }
grep -q deleting "$T/out" && { wrong=$((wrong + 1)); note "--max-delete=0: '*deleting' lines printed"; }

# 3. 501 for the replacement + 3 extraneous files = 504.
rm -rf "$T/dst"; cp -a "$T/base" "$T/dst"
echo x >"$T/dst/x1"; echo x >"$T/dst/x2"; mkdir -p "$T/dst/keep"; echo x >"$T/dst/keep/x3"
ts "$T/out" "$T/err" -a --delete --max-delete=503 "$T/src/" "$T/dst/"
[ "$RC" = 25 ] && [ -d "$T/dst/data" ] && [ -e "$T/dst/x1" ] && refused=$((refused + 1)) ||
    { wrong=$((wrong + 1)); note "504 needed, --max-delete=503: exit $RC, data/ $( [ -d "$T/dst/data" ] && echo kept || echo gone)"; }
ts "$T/out" "$T/err" -a --delete --max-delete=504 "$T/src/" "$T/dst/"
if [ "$RC" = 0 ] && same_tree "$T/src" "$T/dst" -s; then done_ok=$((done_ok + 1)); else
    wrong=$((wrong + 1)); note "504 needed, --max-delete=504: exit $RC"; note_file "$T/err" 3; fi

# 4. An unreadable source directory elsewhere: nothing is replaced.
rm -rf "$T/dst"; cp -a "$T/base" "$T/dst"
mkdir -p "$T/src/locked"; echo s >"$T/src/locked/s"; chmod 000 "$T/src/locked"
chmod -R a+rwX "$T/dst"; chmod a+rx "$T" "$T/src"; chown -R nobody "$T/dst"
H snap -c "$T/dst/data" >"$T/before"
ts_nobody "$T/out" "$T/err" -rl --delete "$T/src/" "$T/dst/"
[ "$RC" = 23 ] || { wrong=$((wrong + 1)); note "unreadable source dir: exit $RC, expected 23"; note_file "$T/err" 3; }
diff -q "$T/before" <(H snap -c "$T/dst/data") >/dev/null && [ -d "$T/dst/data" ] && refused=$((refused + 1)) ||
    { wrong=$((wrong + 1)); note "unreadable source dir: data/ was replaced anyway"; }
chmod 755 "$T/src/locked"; rm -rf "$T/src/locked"

# 5. -x: a tmpfs inside DEST, extraneous (gone/m) and below a kept dir
# (keep/m); nothing on it is touched.
rm -rf "$T/dst"; mkdir -p "$T/dst/gone/m" "$T/dst/keep/m"
echo w >"$T/dst/gone/w"
mounted=0
if mount -t tmpfs -o size=1m rt11a "$T/dst/gone/m" 2>/dev/null; then
    add_mount "$T/dst/gone/m"
    mount -t tmpfs -o size=1m rt11b "$T/dst/keep/m" && add_mount "$T/dst/keep/m" && mounted=1
fi
if [ "$mounted" = 1 ]; then
    echo z >"$T/dst/gone/m/z"; mkdir "$T/dst/keep/m/sub"; echo y >"$T/dst/keep/m/sub/y"
    H snap -c "$T/dst/gone/m" >"$T/m1"; H snap -c "$T/dst/keep/m" >"$T/m2"
    ts "$T/out" "$T/err" -ax -i --delete "$T/src/" "$T/dst/"
    [ "$RC" = 0 ] || { wrong=$((wrong + 1)); note "-x --delete with mounts in DEST: exit $RC, expected 0 (rsync's)"; note_file "$T/err" 3; }
    diff -q "$T/m1" <(H snap -c "$T/dst/gone/m") >/dev/null && diff -q "$T/m2" <(H snap -c "$T/dst/keep/m") >/dev/null &&
        done_ok=$((done_ok + 1)) || { wrong=$((wrong + 1)); note "-x --delete: a file system mounted inside DEST was changed"; }
    [ -e "$T/dst/gone/w" ] && { wrong=$((wrong + 1)); note "-x --delete: gone/w (same file system) was not deleted"; }
else
    note "-x part skipped: cannot mount tmpfs"
fi

result refused="$refused/5" done="$done_ok/2" wrong="$wrong"
[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "replacements counted with --max-delete (all or nothing), withheld after a source error, -x never crosses into a mount inside DEST"
