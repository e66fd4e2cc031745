#!/bin/bash
# RT-07 Empty or unmounted source guard (G3).
#
# DEST holds 2000 files in a small tree.  SRC is (a) an empty directory,
# (b) an empty mount point (an empty tmpfs mounted on it: what an NFS
# mount point looks like when the export is gone or the mount failed; a
# bare unmounted mount point is case (a)).
# Pass: `-a --delete SRC/ DEST/` is refused with exit 26 and a message,
# nothing in DEST is deleted or changed; `-n` (dry run) likewise lists no
# deletion; with --allow-empty-source the same run deletes everything,
# exit 0.  Sanity: a non-empty SRC with --delete is not refused.
# rsync (as the binary under test) fails: it deletes everything, exit 0.
. "$(dirname "$0")/lib.sh"
cond "empty SRC root + --delete + non-empty DEST: exit 26, 0 deletions (also -n); --allow-empty-source deletes, exit 0"
need_treesync
build_helpers

mkdest() {
    rm -rf "$T/dst"
    mkdir -p "$T/dst"
    local d
    for d in a b c d; do
        mkdir -p "$T/dst/$d"
        (cd "$T/dst/$d" && seq -f "f%04g" 1 500 | xargs touch)
    done
    H snap -c "$T/dst" >"$T/dst.before"
}

refused=0 wrong=0 root_changed=0
for kind in emptydir mountpoint; do
    rm -rf "$T/src"
    mkdir "$T/src"
    if [ "$kind" = mountpoint ]; then
        if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=1m tmpfs "$T/src" 2>/dev/null; then
            note "cannot mount a tmpfs (not root?): mount-point case not run"
            continue
        fi
        add_mount "$T/src"
    fi
    for dry in "" "-n"; do
        mkdest
        ts "$T/out" "$T/err" -a --delete $dry -i "$T/src/" "$T/dst/"
        what="$kind ${dry:-real}"
        if [ "$RC" = 26 ]; then refused=$((refused + 1)); else
            wrong=$((wrong + 1)); note "$what: exit $RC, expected 26"; fi
        grep -qi 'empty' "$T/err" || { wrong=$((wrong + 1)); note "$what: no message about the empty source"; note_file "$T/err" 3; }
        grep -q deleting "$T/out" && { wrong=$((wrong + 1)); note "$what: deletions listed"; note_file "$T/out" 3; }
        # Nothing below the root may change; the root's own attributes
        # are reported (the refused run still copies the empty root's
        # mode/mtime: an observation, not a deletion).
        if ! diff -q <(sed 1d "$T/dst.before") <(H snap -c "$T/dst" | sed 1d) >/dev/null; then
            wrong=$((wrong + 1)); note "$what: DEST changed ($(find "$T/dst" -type f | wc -l) files left of 2000)"
        elif ! diff -q <(sed -n 1p "$T/dst.before") <(H snap -c "$T/dst" | sed -n 1p) >/dev/null; then
            root_changed=$((root_changed + 1))
            note "$what: refused, but DEST root attributes changed: $(sed -n 1p "$T/dst.before" | cut -d' ' -f1-6) -> $(H snap "$T/dst" | sed -n 1p | cut -d' ' -f1-6)"
        fi
    done
    # Explicit consent.
    mkdest
    ts "$T/out" "$T/err" -a --delete --allow-empty-source "$T/src/" "$T/dst/"
    if [ "$RC" != 0 ] || [ -n "$(ls -A "$T/dst")" ]; then
        wrong=$((wrong + 1)); note "$kind --allow-empty-source: exit $RC, $(find "$T/dst" -type f | wc -l) files left"; note_file "$T/err" 3
    fi
    [ "$kind" = mountpoint ] && umount "$T/src"
done

# Sanity: a non-empty source is not refused.
rm -rf "$T/src" && mkdir -p "$T/src" && echo x >"$T/src/only"
mkdest
ts "$T/out" "$T/err" -a --delete "$T/src/" "$T/dst/"
if [ "$RC" != 0 ] || [ "$(ls -A "$T/dst")" != only ]; then
    wrong=$((wrong + 1)); note "non-empty source: exit $RC, DEST: $(ls -A "$T/dst" | head -3 | tr '\n' ' ')"
fi

result refused="$refused" wrong_outcomes="$wrong" root_attrs_changed="$root_changed"
[ "$refused" -ge 2 ] || check_fail "refused only $refused time(s)"
[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "$refused refusals (exit 26, DEST intact); --allow-empty-source deletes"
