#!/bin/bash
# --max-delete with -b and a rule that lets old backups go ('R *~'):
# what it counts is what the deletion pass removes.  The run replaces f
# and makes its backup f~ over the old f~ that was listed as extraneous;
# the pass leaves that backup alone (it is not the inode listed, and it is
# this run's), so it is not a deletion either: with --max-delete=2 the two
# real ones (g~, extra) go, exit 0; with 1 nothing is deleted, "2
# deletions needed", exit 25.  A dry run counts and says the same (the
# backup it would make is not counted).  Before: the real run counted f~,
# "3 deletions needed", exit 25 with 2 (and -n too).  rsync deletes up to
# the limit and stops (README), so rsync is not run.
. "$(dirname "$0")/lib.sh"
describe "-b --delete --filter='R *~' --max-delete: this run's backup f~ is not counted (real run and -n), exit 0 at the limit, 25 below"

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

# ts N [-n]: treesync -b --delete 'R *~' --max-delete=N on a fresh DEST.
ts() {
    local n=$1
    shift
    _reset_outputs
    run_ts -ai -b --delete --filter='R *~' --max-delete="$n" "$@" -- "$SRC/" "$DST/"
}

ts 2
assert_rc treesync 0
filtered_out treesync >"$T/real.lines"
[ "$(cat "$TS_DST/f~")" = old ] || fail "--max-delete=2: this run's backup of f deleted"
[ ! -e "$TS_DST/g~" ] && [ ! -e "$TS_DST/extra" ] ||
    fail "--max-delete=2: g~ or extra not deleted"
grep -qxF '*deleting   g~' "$T/real.lines" || fail "--max-delete=2: no '*deleting   g~'"
grep -qF 'f~' "$T/real.lines" && fail "--max-delete=2: a line about f~: $(cat "$T/real.lines")"
ts 2 -n
assert_rc treesync 0
filtered_out treesync | diff -u "$T/real.lines" - >"$T/n.diff" ||
    fail "--max-delete=2 -n: not the real run's lines: $(cat "$T/n.diff")"
[ "$(cat "$TS_DST/f~")" = oldbak ] && [ -e "$TS_DST/g~" ] || fail "-n changed DEST"
for n in "" -n; do
    ts 1 $n
    assert_rc treesync 25
    grep -qF -- '--max-delete=1 limit: 2 deletions needed; nothing deleted' "$T/treesync.err" ||
        fail "--max-delete=1 $n: not '2 deletions needed': $(cat "$T/treesync.err")"
    [ -e "$TS_DST/g~" ] && [ -e "$TS_DST/extra" ] || fail "--max-delete=1 $n: something deleted"
    want=old
    [ "$n" = -n ] && want=oldbak
    [ "$(cat "$TS_DST/f~")" = $want ] || fail "--max-delete=1 $n: f~ is not '$want'"
done
pass
