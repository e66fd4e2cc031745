#!/bin/bash
# -b without --backup-dir adds rsync's implied "P *SUFFIX" rule after
# every rule given, so a user's rule decides first: "R *~" lets old
# backups go with --delete.  A name that is itself a backup is then
# removed, not backed up again as NAME~~ (rsync's is_backup_file()).
# rsync's delete-deep test, last part.
. "$(dirname "$0")/lib.sh"
describe "-b --delete: a user's 'R *~' rule comes before the implied 'P *~' (old backups deleted, never backed up as NAME~~), without it they are kept; deep and at the root, -n too, --suffix"

mkdir -p "$SRC/d1/d2"
echo f >"$SRC/d1/d2/f"
echo t >"$SRC/top"
stamp "$SRC"
mkdir -p "$DST/d1/d2"
cp -a "$SRC/." "$DST/"
echo plain >"$DST/d1/d2/plain"
echo stale >"$DST/d1/d2/stale~"
echo old >"$DST/old~"
echo bak >"$DST/d1/x.bak"
stamp "$DST" 1400000000

for opts in "-a -b --delete" "-an -b --delete"; do
    read -r -a o <<<"$opts"
    # The implied rule protects old backups...
    run_both -i "${o[@]}" -- "$SRC/" "$DST/"
    assert_same_result --no-mtime-dirs
    # ... unless a rule of the user's risks them first.
    run_both -i "${o[@]}" '--filter=R *~' -- "$SRC/" "$DST/"
    assert_same_result --no-mtime-dirs
    # Another suffix, and a protect rule for one name beside the risk.
    run_both -i "${o[@]}" --suffix=.bak '--filter=P top~' '--filter=R *.bak' -- "$SRC/" "$DST/"
    assert_same_result --no-mtime-dirs
done
run_both -ai -b --delete '--filter=R *~' -- "$SRC/" "$DST/"
expect_line rsync '*deleting   d1/d2/stale~'
[ -e "$TS_DST/d1/d2/stale~" ] && fail "R *~: stale~ kept"
[ -e "$TS_DST/d1/d2/stale~~" ] && fail "stale~ backed up as stale~~"
[ -f "$TS_DST/d1/d2/plain~" ] || fail "plain not backed up"
pass
