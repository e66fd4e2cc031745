#!/bin/bash
# --delete-missing-args with a listed name whose directory is missing too
# (missing/deeper/x).  rsync's sender says "file has vanished" and exits
# 24: without -r once for each missing directory on the way, and the
# missing names are deleted from DEST; with -r (and -R operands under -a)
# once per name for its first missing directory, and the names below a
# missing directory are kept.  A plain operand whose directory is missing
# is an error (change_dir, exit 23), also with --ignore-missing-args or
# --delete-missing-args: nothing deleted.
. "$(dirname "$0")/lib.sh"
describe "--delete-missing-args with a missing parent directory: 'file has vanished' per missing directory (per name with -r), exit 24, the names deleted without -r and kept with -r, as rsync; a plain operand in a missing directory: exit 23, nothing deleted"

mkdir -p "$SRC/keep"
echo a >"$SRC/a"
echo k >"$SRC/keep/k"
mkdir -p "$DST/missing/deeper" "$DST/src/missing/deeper" "$DST/keep"
for d in "$DST" "$DST/src"; do
    echo o >"$d/missing/deeper/x"
    echo o >"$d/missing/y"
    echo o >"$d/zz"
done
stamp "$SRC"
stamp "$DST" 1400000000

# vanished N: both tools said "file has vanished" N times.
vanished() {
    local tag n
    for tag in rsync treesync; do
        n=$(grep -c 'file has vanished' "$T/$tag.err")
        [ "$n" = "$1" ] || fail "$tag: $n 'file has vanished' lines, want $1: $(cat "$T/$tag.err")"
    done
}

printf '%s\n' missing/deeper/x missing/y a zz keep/k >"$T/list"
for opts in -a -ai -ain -d -r -ar -air; do
    run_both "$opts" --delete-missing-args --files-from="$T/list" -- \
        "$SRC" "$DST"
    # (Without -a no times nor modes kept: each tool's own.)
    case $opts in
        *a*) assert_same_result --no-mtime-root --no-mtime-dirs ;;
        *) assert_same_result --no-mtime --no-perms ;;
    esac
    assert_rc treesync 24
    vanished 2
done
run_both -ai --delete-missing-args --files-from="$T/list" -- "$SRC" "$DST"
expect_line rsync '*deleting   missing/deeper/x'
expect_line rsync '*deleting   zz'
run_both -air --delete-missing-args --files-from="$T/list" -- "$SRC" "$DST"
expect_line rsync '*deleting   zz'
[ -e "$TS_DST/missing/deeper/x" ] || fail "-r: missing/deeper/x deleted"
# Two names below missing/deeper: without -r the directory is said once.
printf '%s\n' missing/deeper/x missing/deeper/z >"$T/list2"
run_both -ai --delete-missing-args --files-from="$T/list2" -- "$SRC" "$DST/"
assert_same_result --no-mtime-root --no-mtime-dirs
vanished 2
run_both -air --delete-missing-args --files-from="$T/list2" -- "$SRC" "$DST/"
assert_same_result --no-mtime-root --no-mtime-dirs
vanished 2

# -R operands (the harness runs in $T): -a means -r, -d not.
for opts in -aiR -diR; do
    run_both "$opts" --delete-missing-args -- src/missing/deeper/x \
        src/missing/y src/zz src/a "$DST"
    case $opts in
        *a*) assert_same_result --no-mtime-root --no-mtime-dirs ;;
        *) assert_same_result --no-mtime --no-perms ;;
    esac
    assert_rc treesync 24
    vanished 2
done

# Plain operands in a missing directory: exit 23, nothing deleted.
for opt in --delete-missing-args --ignore-missing-args; do
    run_both -ai "$opt" -- "$SRC/missing/deeper/x" "$SRC/a" "$DST/missing/deeper/"
    assert_same_result --no-mtime-root --no-mtime-dirs
    assert_rc treesync 23
    [ -e "$TS_DST/missing/deeper/x" ] || fail "$opt: x deleted"
done
pass
