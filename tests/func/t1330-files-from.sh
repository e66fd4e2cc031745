#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--files-from (implied dirs, -r descends listed dirs, '..' clamped, missing entries exit 23, missing list exit 1), --from0 on stdin, --delete only in listed dirs, -d"
need_treesync

mkdir -p "$SRC/a/b/c" "$SRC/x/y" "$SRC/z" "$SRC/untouched"
echo 1 >"$SRC/a/b/c/f1"; echo 2 >"$SRC/a/b/g"; echo 3 >"$SRC/x/y/h"
echo 4 >"$SRC/top"; echo 5 >"$SRC/z/q"; echo 6 >"$SRC/untouched/u"
"$PYTHON" "$FUNC_DIR/stamp.py" "$SRC" >/dev/null 2>&1 || touch -d @1500000000 "$SRC"
printf 'a/b/c/f1\nx/y\n/top\n./z/q\n' >"$T/list"
printf '../etc/passwd\na/../top\n' >"$T/bad"

run_both -ai --files-from="$T/list" -- "$SRC/" "$DST"
assert_same_result
run_both -air --files-from="$T/list" -- "$SRC/" "$DST"
assert_same_result
# (An existing DEST here: in a run with errors rsync prints "created
# directory" on another stream; a cosmetic difference not tested.)
mkdir -p "$DST"
run_both -ai --files-from="$T/bad" -- "$SRC/" "$DST"
assert_same_result --no-mtime-root	# "." is not sent: its time is "now"
rm -rf "$DST"
run_both -ai --files-from="$T/no-such-list" -- "$SRC/" "$DST"
[ "$TS_RC" = 1 ] && [ "$RS_RC" = 1 ] || fail "missing list: exit $TS_RC (rsync $RS_RC), want 1"

# --from0 read from stdin: run by hand (run_both closes stdin).
rm -rf "$T/r0" "$T/t0"
printf 'a/b/g\0top\0' | "$RSYNC" -ai --from0 --files-from=- "$SRC/" "$T/r0/" >"$T/r0.out" 2>&1
printf 'a/b/g\0top\0' | "$TREESYNC" -ai --from0 --files-from=- "$SRC/" "$T/t0/" >"$T/t0.out" 2>&1 ||
	fail "--from0 from stdin: exit $?"
assert_same_tree "$T/r0" "$T/t0" --no-mtime-root	# rsync leaves "." at "now" here

# --delete with --files-from -r: only inside listed directories.
mkdir -p "$DST/x/y/extra" "$DST/extra2"
run_both -air --delete --files-from="$T/list" -- "$SRC/" "$DST"
assert_same_result
[ -d "$TS_DST/extra2" ] || fail "--files-from --delete deleted outside the listed directories"

# -d without -r: directories are created, not descended.
rm -rf "$DST"
run_both -i -d -lpt -- "$SRC/" "$DST"
assert_same_result
pass
