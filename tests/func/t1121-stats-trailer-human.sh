#!/bin/bash
# rsync's header and trailer with -v, --stats with every rsync field in
# rsync's order, and -h / -hh / --no-h number formats.  Sizes and counts
# equal rsync's; the byte counts have treesync's local meanings (README):
# sent = the file data copied, received = 0.
. "$(dirname "$0")/lib.sh"
describe "-v header and trailer, --stats fields (rsync's order and values), -h/-hh/--no-h formats, (DRY RUN), equal rsync's"

make_mixed_tree "$SRC"
mkdata "$SRC/fifty_k" 50000
stamp "$SRC"

# A line of TAG's raw stdout matching the regular expression RE.
line_of() { grep -E -- "$2" "$T/$1.out" | head -n 1; }
# The value after "NAME: " in TAG's raw stdout.
value_of() { sed -n "s/^$2: //p" "$T/$1.out" | head -n 1; }

# -v: the header first, the trailer last, a blank line before it.
run_both -av -- "$SRC/" "$DST"
assert_same_result
for tag in rsync treesync; do
    [ "$(head -n 1 "$T/$tag.out")" = "sending incremental file list" ] ||
        fail "$tag: the first line is not the header: $(head -n 1 "$T/$tag.out")"
    tail -n 3 "$T/$tag.out" >"$T/$tag.tail"
    sed -n 1p "$T/$tag.tail" | grep -qx '' || fail "$tag: no blank line before the trailer"
    sed -n 2p "$T/$tag.tail" | grep -qE '^sent [0-9,]+ bytes  received [0-9,]+ bytes  [0-9,.]+ bytes/sec$' ||
        fail "$tag: trailer line 1: $(sed -n 2p "$T/$tag.tail")"
    sed -n 3p "$T/$tag.tail" | grep -qE '^total size is [0-9,]+  speedup is [0-9,.]+$' ||
        fail "$tag: trailer line 2: $(sed -n 3p "$T/$tag.tail")"
done
rs_total=$(line_of rsync '^total size is' | sed -E 's/^total size is ([0-9,]+) .*/\1/')
ts_total=$(line_of treesync '^total size is' | sed -E 's/^total size is ([0-9,]+) .*/\1/')
[ "$rs_total" = "$ts_total" ] || fail "total size is $ts_total, rsync $rs_total"

# Dry run: the trailer says so.
run_both -avn -- "$SRC/" "$T/newdest"
assert_same_output
line_of treesync '^total size is [0-9,]+  speedup is [0-9,.]+ \(DRY RUN\)$' | grep -q . ||
    fail "no (DRY RUN) in treesync's trailer"

# --stats: rsync's fields, in rsync's order (treesync's own lines come
# after them, before the trailer), with rsync's values for the counts and
# sizes; "sent" is the data copied.
rsync_fields='^(Number of files|Number of created files|Number of deleted files|Number of regular files transferred|Total file size|Total transferred file size|Literal data|Matched data|File list size|File list generation time|File list transfer time|Total bytes sent|Total bytes received): '
for h in "" -h -hh --no-h; do
    # shellcheck disable=SC2086
    run_both -a --stats $h -- "$SRC/" "$DST"
    [ "$RS_RC" = "$TS_RC" ] || fail "--stats $h: exit $TS_RC, rsync $RS_RC"
    assert_same_tree "$RS_DST" "$TS_DST"
    for tag in rsync treesync; do
        grep -E "$rsync_fields" "$T/$tag.out" | cut -d: -f1 >"$T/$tag.fields"
    done
    diff -u --label rsync --label treesync "$T/rsync.fields" "$T/treesync.fields" >"$T/fields.diff" ||
        { note_file "$T/fields.diff"; fail "--stats $h: rsync's fields differ (names or order)"; }
    for f in "Number of files" "Number of created files" "Number of deleted files" \
        "Number of regular files transferred" "Total file size" \
        "Total transferred file size" "Literal data" "Matched data"; do
        rv=$(value_of rsync "$f"); tv=$(value_of treesync "$f")
        [ "$rv" = "$tv" ] || fail "--stats $h: '$f: $tv', rsync '$f: $rv'"
    done
    sent=$(sed -nE 's/^Total bytes sent: //p' "$T/treesync.out")
    [ "$sent" = "$(value_of treesync "Total transferred file size" | sed 's/ bytes$//')" ] ||
        fail "--stats $h: Total bytes sent $sent is not the data copied"
    grep -qE '^Copied by copy_file_range: ' "$T/treesync.out" || fail "--stats $h: treesync's own lines are gone"
done
# The formats themselves (the last runs: 50,000 / 50.00K / 48.83K / 50000).
run_both -a --stats -- "$SRC/" "$DST"
grep -qE '^Total file size: [0-9]{1,3}(,[0-9]{3})+ bytes$' "$T/treesync.out" || fail "no digit separators without -h"
run_both -a --stats -h -- "$SRC/" "$DST"
grep -qE '^Total file size: [0-9.]+M bytes$' "$T/rsync.out" || fail "harness: rsync -h did not scale"
run_both -a --stats --no-h -- "$SRC/" "$DST"
grep -qE '^Total file size: [0-9]{4,} bytes$' "$T/treesync.out" || fail "--no-h: not bare digits"
pass
