#!/bin/bash
# RT-08 Delete limits are all-or-nothing (G3).
#
# DEST = SRC (10 dirs) plus 100 extraneous files (10 per dir) and one
# extraneous subtree (1 dir + 4 files: 5 more deletions).
# --delete --max-delete=N for N in {10, 104, 5%, 0}: nothing deleted
# (DEST snapshot unchanged), exit 25, a message giving the number needed;
# with -i no "*deleting" line is printed for a deletion that did not
# happen.  N = 105 (exactly what is needed) and 1000: everything
# extraneous deleted, exit 0.
# rsync (as the binary under test) fails: it deletes N, then stops.
. "$(dirname "$0")/lib.sh"
cond "--max-delete=N below what --delete needs: 0 deletions, exit 25, message with the count; at/above the need: all deleted, exit 0"
need_treesync
build_helpers

mkdir -p "$T/src"
for i in $(seq 0 9); do mkdir "$T/src/d$i"; echo keep >"$T/src/d$i/keep"; done
mkdir "$T/base"
cp -a "$T/src/." "$T/base/"
for i in $(seq 0 9); do for j in $(seq 0 9); do echo x >"$T/base/d$i/extra$j"; done; done
mkdir "$T/base/d0/olddir"
for j in 1 2 3 4; do echo x >"$T/base/d0/olddir/o$j"; done
# The directories keep SRC's mtimes, so the only change a run could make is
# a deletion: a directory whose mtime differs would (rightly) be given
# SRC's, and whether it differs depended on the kernel's clock tick.
for i in $(seq 0 9); do touch -r "$T/src/d$i" "$T/base/d$i"; done
touch -r "$T/src" "$T/base"
need=105

wrong=0 refused=0 allowed=0
for lim in 10 104 5% 0; do
    rm -rf "$T/dst"; cp -a "$T/base" "$T/dst"
    H snap -c "$T/dst" >"$T/before"
    ts "$T/out" "$T/err" -a -i --delete --max-delete="$lim" "$T/src/" "$T/dst/"
    what="--max-delete=$lim"
    if [ "$RC" = 25 ]; then refused=$((refused + 1)); else wrong=$((wrong + 1)); note "$what: exit $RC, expected 25"; fi
    left=$(find "$T/dst" -name 'extra*' | wc -l)
    diff -q "$T/before" <(H snap -c "$T/dst") >/dev/null ||
        { wrong=$((wrong + 1)); note "$what: DEST changed ($left of 100 extraneous files left)"; }
    grep -q "$need" "$T/err" || { wrong=$((wrong + 1)); note "$what: message does not say $need deletions are needed"; note_file "$T/err" 3; }
    grep -q 'deleting' "$T/out" && { wrong=$((wrong + 1)); note "$what: '*deleting' lines printed for deletions that did not happen"; }
done
for lim in $need 1000; do
    rm -rf "$T/dst"; cp -a "$T/base" "$T/dst"
    ts "$T/out" "$T/err" -a --delete --max-delete="$lim" "$T/src/" "$T/dst/"
    if [ "$RC" = 0 ] && same_tree "$T/src" "$T/dst" -s; then allowed=$((allowed + 1)); else
        wrong=$((wrong + 1)); note "--max-delete=$lim: exit $RC, $(find "$T/dst" -name 'extra*' | wc -l) extraneous left"; fi
done

result refused="$refused/4" allowed="$allowed/2" wrong="$wrong"
[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "limits below $need refused with nothing deleted (exit 25); at/above: all deleted"
