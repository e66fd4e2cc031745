#!/bin/bash
# --stats: only the lines whose meaning is fully defined by rsync are
# compared; treesync may add its own (bytes per copy method ...).
. "$(dirname "$0")/lib.sh"
describe "--stats: Number of files/created/deleted/regular transferred and Total (transferred) file size lines equal rsync's"

make_mixed_tree "$SRC"
mkdir -p "$DST/gone/deeper"
printf 'x\n' >"$DST/gone/deeper/x"
printf 'x\n' >"$DST/gone_file"
ln -s x "$DST/gone_link"

pick() {
    grep -E '^(Number of files|Number of created files|Number of deleted files|Number of regular files transferred|Total file size|Total transferred file size): ' "$1" | LC_ALL=C sort
}
for round in 1 2; do
    if [ $round = 1 ]; then
        run_both -a --delete --stats -- "$SRC/" "$DST"
    else
        run_both_again -a --delete --stats -- "$SRC/" "$DST"
    fi
    pick "$T/rsync.out" >"$T/rs.stats"
    pick "$T/treesync.out" >"$T/ts.stats"
    [ "$(wc -l <"$T/rs.stats")" = 6 ] || fail "harness: rsync --stats lines not found"
    if ! diff -u --label rsync --label treesync "$T/rs.stats" "$T/ts.stats" >"$T/stats.diff"; then
        note "round $round: --stats differ:"; note_file "$T/stats.diff"
        fail "--stats lines differ (round $round)"
    fi
    [ "$RS_RC" = "$TS_RC" ] || fail "exit code $TS_RC, rsync $RS_RC"
    assert_same_tree "$RS_DST" "$TS_DST"
done
pass
