#!/bin/bash
# Issue 16, item 4: DEST inside SRC ("treesync -a src/ src/sub/dst/",
# "treesync -a src src/") copies the tree once, as rsync does: the walk
# never descends into DEST or into a directory the run made, so the copy
# is not copied into itself level after level.
. "$(dirname "$0")/lib.sh"
describe "DEST inside SRC: the tree is copied once (not into itself), the same tree and lines as rsync"

mk() {	# mk DIR: the same source in DIR/src
	mkdir -p "$1/src/a/b" "$1/src/sub"
	printf '1\n' >"$1/src/a/b/f"
	printf '2\n' >"$1/src/top"
	"$PYTHON" "$FUNC_DIR/stamp.py" "$1/src" >/dev/null
}
for form in contents named; do
	R=$T/rs.$form W=$T/ts.$form
	mk "$R"; mk "$W"
	if [ $form = contents ]; then
		(cd "$R" && timeout 30 "$RSYNC" -ai src/ src/sub/dst/) >"$T/rs.out" 2>&1; rc1=$?
		(cd "$W" && timeout 30 "$TREESYNC" -ai src/ src/sub/dst/) >"$T/ts.out" 2>&1; rc2=$?
	else
		(cd "$R" && timeout 30 "$RSYNC" -ai src src/) >"$T/rs.out" 2>&1; rc1=$?
		(cd "$W" && timeout 30 "$TREESYNC" -ai src src/) >"$T/ts.out" 2>&1; rc2=$?
	fi
	[ "$rc1" = 0 ] || fail "$form: rsync exit $rc1"
	[ "$rc2" = 0 ] || { note_file "$T/ts.out"; fail "$form: treesync exit $rc2"; }
	depth=$(find "$W/src" -type d | awk -F/ '{print NF}' | sort -n | tail -1)
	[ "$depth" -lt $(( $(echo "$W/src" | awk -F/ '{print NF}') + 6 )) ] ||
		fail "$form: the copy went $depth levels deep (copied into itself)"
	assert_same_tree "$R/src" "$W/src" --no-mtime-dirs
	diff <(grep -v '^created directory' "$T/rs.out" | LC_ALL=C sort) \
	    <(grep -v '^created directory' "$T/ts.out" | LC_ALL=C sort) >"$T/d" ||
		{ note_file "$T/d"; fail "$form: -i lines differ from rsync's"; }
done
pass
