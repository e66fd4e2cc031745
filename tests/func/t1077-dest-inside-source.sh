#!/bin/bash
# Issue 16, item 4: DEST inside SRC ("treesync -a src/ src/sub/dst/",
# "treesync -a src src/") copies the tree once, as rsync means to: the
# walk never descends into DEST or into a directory the run made, so the
# copy is not copied into itself level after level.  (rsync itself races
# here -- whether its listing of sub/ comes before or after it made
# sub/dst/ decides whether half a second copy appears -- so the oracle is
# the source as it was before the run, not rsync's output.)
. "$(dirname "$0")/lib.sh"
describe "DEST inside SRC: the tree is copied once, not into itself; DEST equals the source as it was"

mkdir -p "$SRC/a/b" "$SRC/sub"
printf '1\n' >"$SRC/a/b/f"
printf '2\n' >"$SRC/top"
"$PYTHON" "$FUNC_DIR/stamp.py" "$SRC" >/dev/null
cp -a "$SRC" "$T/before"

# (Directory mtimes are left out: making DEST in sub/ changes sub's own.)
# 1. "src/" into src/sub/dst/: DEST is made (empty) before the walk, so
# the source's sub/ holds dst/, which the walk leaves out.
rm -rf "$T/w1"; cp -a "$SRC" "$T/w1"
(cd "$T/w1/.." && timeout 30 "$TREESYNC" -ai w1/ w1/sub/dst/) >"$T/out1" 2>&1 ||
	{ note_file "$T/out1"; fail "src/ into src/sub/dst/: exit $?"; }
assert_same_tree "$T/before" "$T/w1/sub/dst" --no-mtime-dirs
grep -q '^[^c].*sub/dst' "$T/out1" && { note_file "$T/out1"; fail "DEST itself was walked"; }

# 2. "src" into src/: src/src is made by the walk, then met in the listing
# of src, and left out.
rm -rf "$T/w2"; cp -a "$SRC" "$T/w2"
(cd "$T/w2/.." && timeout 30 "$TREESYNC" -ai w2 w2/) >"$T/out2" 2>&1 ||
	{ note_file "$T/out2"; fail "src into src/: exit $?"; }
[ ! -e "$T/w2/w2/w2" ] || fail "src into src/: copied into itself (w2/w2/w2 exists)"
assert_same_tree "$T/before" "$T/w2/w2" --no-mtime-dirs
pass
