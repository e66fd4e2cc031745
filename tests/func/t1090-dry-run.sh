#!/bin/bash
# -n -i on a stale DEST (content, types, perms, times, extras with --delete):
# nothing changes, and the lines equal those of the real run that follows.
. "$(dirname "$0")/lib.sh"
describe "-n -i --delete changes nothing (snapshot identical) and prints the same sorted lines as rsync and as the real run after it"

make_mixed_tree "$SRC"
copy_tree "$SRC" "$DST"
printf 'changed content\n' >"$DST/a/top.txt"
chmod 0600 "$DST/one_byte"
touch -h -d @1400000000 "$DST/rel_link" "$DST/a/b"
rm -f "$DST/dangling_link"; printf 'was link\n' >"$DST/dangling_link"
rm -rf "$DST/empty_dir"; ln -s x "$DST/empty_dir"
rm -rf "$DST/private_dir"
mkdir -p "$DST/extra/deep"; printf 'e\n' >"$DST/extra/deep/e"
printf 'e\n' >"$DST/odd/extra file"

snap "$DST" >"$T/dst.snap"
run_both -n -i --delete -a -- "$SRC/" "$DST"
expect_line rsync '*deleting   extra/deep/e'
assert_same_output
snap "$RS_DST" >"$T/rs.after.snap"
assert_snap_equal "$T/dst.snap" "$T/rs.after.snap" "harness: rsync -n changed DEST"
snap "$TS_DST" >"$T/ts.after.snap"
assert_snap_equal "$T/dst.snap" "$T/ts.after.snap" "treesync -n changed DEST"
cp "$T/treesync.cmp" "$T/ts.dry"
cp "$T/rsync.cmp" "$T/rs.dry"

# The real run prints the same lines (for both tools).
run_both_again -i --delete -a -- "$SRC/" "$DST"
assert_same_result
if ! diff -u "$T/ts.dry" "$T/treesync.cmp" >"$T/dry.diff"; then
    note "treesync -n lines (-) vs real run (+):"; note_file "$T/dry.diff"
    fail "treesync's dry-run lines differ from its real run"
fi
diff -q "$T/rs.dry" "$T/rsync.cmp" >/dev/null || note "(rsync's own dry-run lines differ from its real run)"

# --dry-run long form on a new DEST: nothing is created.
run_both --dry-run -ai -- "$SRC/" "$T/newdest"
assert_same_output
[ ! -e "$T/newdest" ] || fail "dry run created $T/newdest"
pass
