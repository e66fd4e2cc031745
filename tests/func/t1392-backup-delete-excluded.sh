#!/bin/bash
# -b: rsync protects old backups (NAME~) from --delete with an implied
# "P *~" that comes after every rule given, and adds none with
# --delete-excluded: then, or with a rule "R *~" of the user's, the old
# backups are deleted.  rsync deletes while it walks, before it makes this
# run's backup of f; treesync deletes after the walk, when f~ already
# holds that backup: it never deletes a backup this run made (nor, in a
# dry run, one it would make).  The trees agree; rsync prints one more
# '*deleting   f~' line, for the old f~ (treesync's was replaced by the
# new backup).  README "Deliberate differences".
. "$(dirname "$0")/lib.sh"
describe "-b with --delete-excluded or 'R *~': old backups deleted as rsync, this run's backup of f never (rsync deletes the old f~ first: one more line), also -n; -b --delete alone keeps them all, as rsync"

mkdir -p "$SRC" "$DST"
echo new >"$SRC/f"
echo h >"$SRC/h"
echo old >"$DST/f"
echo oldbak >"$DST/f~"
echo gbak >"$DST/g~"
echo extra >"$DST/extra"
echo h >"$DST/h"
stamp "$SRC"
stamp "$DST" 1400000000

for opts in "-ai --delete-excluded" "-ain --delete-excluded" \
    "-ai --delete --delete-excluded" "-ai --delete R" "-ain --delete R"; do
    args=(-b)
    for o in $opts; do
        if [ "$o" = R ]; then args+=(--filter='R *~'); else args+=("$o"); fi
    done
    run_both "${args[@]}" -- "$SRC/" "$DST/"
    expect_line rsync '*deleting   f~'
    expect_line rsync '*deleting   g~'
    expect_line rsync '*deleting   extra'
    assert_same_tree "$RS_DST" "$TS_DST" --no-mtime-root
    assert_rc treesync 0
    filtered_out rsync | grep -vxF '*deleting   f~' >"$T/rs.lines"
    filtered_out treesync >"$T/ts.lines"
    diff -u "$T/rs.lines" "$T/ts.lines" >"$T/lines.diff" ||
        fail "$opts: lines differ beyond f~: $(cat "$T/lines.diff")"
    case $opts in
        -ain*) [ "$(cat "$TS_DST/f~")" = oldbak ] || fail "$opts: f~ changed" ;;
        *) [ "$(cat "$TS_DST/f~")" = old ] ||
               fail "$opts: this run's backup of f deleted" ;;
    esac
done
# Without --delete-excluded both keep every backup: the same result.
run_both -ai -b --delete -- "$SRC/" "$DST/"
assert_same_result --no-mtime-root
pass
