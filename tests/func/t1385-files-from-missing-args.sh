#!/bin/bash
# Missing names of a --files-from list (and -R operands), against rsync:
#  - --delete-missing-args deletes each one's DEST entry (exit 0), through
#    the one gate: the same lines in a dry run, counted for --max-delete
#    (all or nothing, exit 25), -b/--backup-dir keep it, a non-empty
#    directory only with --delete or --force, an excluded name is kept;
#    the directories on the way are sent (made in DEST);
#  - --ignore-missing-args leaves them out quietly, and with both options
#    --delete-missing-args wins (rsync);
#  - a missing "sub/nope" implies no directory: sub/ is not made in DEST
#    unless something listed below it exists (with and without -r, -R).
. "$(dirname "$0")/lib.sh"
describe "--files-from/-R missing names like rsync: --delete-missing-args deletes their DEST entries through the gate (dry run, --max-delete, -b, --backup-dir, non-empty dirs, excludes), wins over --ignore-missing-args; a missing sub/nope makes no sub/ (with and without -r, -R, --ignore-missing-args)"

mkdir -p "$SRC/sub" "$SRC/keep" "$SRC/only"
echo a >"$SRC/a"
echo b >"$SRC/sub/b"
echo k >"$SRC/keep/k"
stamp "$SRC"

# DEST holds the names the list misses, a full and an empty directory.
mkdir -p "$DST/sub" "$DST/emptyd" "$DST/fulld/x" "$DST/gone"
echo old >"$DST/nope"
echo old >"$DST/sub/nope"
echo y >"$DST/fulld/x/y"
echo o >"$DST/other"
echo g >"$DST/gone/f"
stamp "$DST" 1400000000

printf 'a\nnope\nsub/b\nsub/nope\nemptyd\nfulld\n' >"$T/list"

# 1. --delete-missing-args: nope, sub/nope and emptyd go; fulld is a
# non-empty directory (kept, said) unless --force or --delete.
for extra in "" "-n" "--force" "-n --force" "--delete -r"; do
    # shellcheck disable=SC2086
    run_both -ai --delete-missing-args $extra --files-from="$T/list" -- "$SRC" "$DST"
    assert_rc rsync 0
    assert_same_result --no-mtime-root
done
expect_line rsync '*deleting   sub/nope'
[ -e "$TS_DST/fulld" ] && fail "--delete -r: fulld kept"
[ -e "$TS_DST/other" ] || fail "--delete-missing-args deleted an unlisted name"
[ -e "$TS_DST/sub/nope" ] && fail "sub/nope kept"

# Both options: --delete-missing-args wins, in either order.
run_both -ai --ignore-missing-args --delete-missing-args --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root
run_both -ai --delete-missing-args --ignore-missing-args --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root
expect_line rsync '*deleting   nope'

# An excluded missing name is kept (rsync's generator asks its rules).
run_both -ai --delete-missing-args --exclude=nope --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root
[ -e "$TS_DST/sub/nope" ] || fail "an excluded missing name was deleted"

# 2. --max-delete counts them: all or nothing (rsync deletes up to the
# limit; treesync none, exit 25 both).
run_both -ai --delete-missing-args --max-delete=1 --files-from="$T/list" -- "$SRC" "$DST"
assert_rc rsync 25
assert_rc treesync 25
for n in nope sub/nope; do
    [ -e "$TS_DST/$n" ] || fail "--max-delete=1: $n deleted (all or nothing)"
done
run_both -ai --delete-missing-args --max-delete=3 --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root

# 3. -b and --backup-dir keep what is deleted.
run_both -ai --delete-missing-args -b --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root --no-mtime-dirs
[ -f "$TS_DST/sub/nope~" ] || fail "-b: no sub/nope~"
run_both -ai --delete-missing-args --backup-dir=bk --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root --no-mtime-dirs
[ "$(cat "$TS_DST/bk/sub/nope" 2>/dev/null)" = old ] ||
    fail "--backup-dir: sub/nope not kept there"
[ -e "$TS_DST/sub/nope" ] && fail "--backup-dir: sub/nope still in DEST"

# 4. -R: the operands are the lines (a missing one deleted, exit 0).
mkdir -p "$T/rel"
cp -a "$SRC" "$T/rel/src"
for d in "$RS_DST-R" "$TS_DST-R"; do
    rm -rf "$d"; mkdir -p "$d/src/sub"; echo n >"$d/src/nope"; echo n >"$d/src/sub/nope"
done
(cd "$T/rel" && "$RSYNC" -aiR --delete-missing-args src/a src/nope src/sub/nope \
    "$RS_DST-R/" >"$T/rR.out" 2>"$T/rR.err"; echo $? >"$T/rR.rc")
(cd "$T/rel" && "$TREESYNC" -aiR --delete-missing-args src/a src/nope src/sub/nope \
    "$TS_DST-R/" >"$T/tR.out" 2>"$T/tR.err"; echo $? >"$T/tR.rc")
[ "$(cat "$T/rR.rc")" = 0 ] || fail "-R: rsync exit $(cat "$T/rR.rc") (the oracle changed?)"
[ "$(cat "$T/tR.rc")" = 0 ] || fail "-R --delete-missing-args: exit $(cat "$T/tR.rc"): $(cat "$T/tR.err")"
diff <(filter_rsync <"$T/rR.out" | sort) <(filter_rsync <"$T/tR.out" | sort) >"$T/R.diff" ||
    fail "-R --delete-missing-args lines differ: $(cat "$T/R.diff")"
assert_same_tree "$RS_DST-R" "$TS_DST-R" --no-mtime-dirs
[ -e "$TS_DST-R/src/sub/nope" ] && fail "-R: src/sub/nope kept"
rm -rf "$RS_DST-R" "$TS_DST-R"

# 5. A missing listed path implies no directory: only/ and missing/ are
# not made (sub/ is, for sub/b), with -a, -r, -d, --ignore-missing-args.
rm -rf "$DST"
printf 'a\nsub/b\nonly/nope\nmissing/deeper/x\n' >"$T/list2"
for opts in "-a" "-ar" "-rlt" "-a --ignore-missing-args" "-an" "-ad"; do
    read -r -a o <<<"$opts"
    run_both -i "${o[@]}" --files-from="$T/list2" -- "$SRC" "$DST/"
    assert_same_output
    case "$opts" in
        -an) ;;
        *) assert_same_tree "$RS_DST" "$TS_DST" --no-mtime-root
           [ -e "$TS_DST/only" ] && fail "$opts: only/ made for a missing only/nope" ;;
    esac
done
# With --delete-missing-args the way to a missing path is sent (rsync).
printf 'a\nsub/b\nonly/nope\n' >"$T/list3"
run_both -ai --delete-missing-args --files-from="$T/list3" -- "$SRC" "$DST/"
assert_same_result --no-mtime-root
[ -d "$TS_DST/only" ] || fail "--delete-missing-args: only/ not made"
# -R: the same.
(cd "$SRC/.." && "$RSYNC" -aiR src/a src/only/nope "$RS_DST-R2/" >"$T/r2.out" 2>&1)
(cd "$SRC/.." && "$TREESYNC" -aiR src/a src/only/nope "$TS_DST-R2/" >"$T/t2.out" 2>&1)
[ -e "$RS_DST-R2/src/only" ] && fail "rsync -R made src/only (the oracle changed?)"
[ -e "$TS_DST-R2/src/only" ] && fail "-R: src/only made for a missing src/only/nope"
rm -rf "$RS_DST-R2" "$TS_DST-R2"
pass
