#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-K/--keep-dirlinks like rsync 3.5.0: a DEST symlink to a directory where the source has a directory is kept and written through (its own times set on the link, the directory compared as what it points to), also one inside a kept one and one to a deeper directory; --delete deletes through it; a source file, or no -K, replaces it; a dangling one is replaced by the directory; one that leads out of DEST is kept and not followed: nothing is written outside, each entry fails (exit 23)"

mkdir -p "$SRC/d/sub" "$SRC/e" "$SRC/f"
printf 'f\n' >"$SRC/d/f"
printf 's\n' >"$SRC/d/sub/s"
printf 'g\n' >"$SRC/e/g"
printf 'h\n' >"$SRC/f/h"
stamp "$SRC"

mkdir -p "$DST/store/target" "$DST/store/inner" "$DST/store/deep/er"
printf 'old\n' >"$DST/store/target/old"
ln -s store/target "$DST/d"
ln -s ../inner "$DST/store/target/sub"
ln -s store/deep/er "$DST/e"
ln -s nowhere "$DST/f"
stamp "$DST"

# The DEST entries under "store" would be extraneous with --delete: keep
# them out of the run (the directories behind the links are elsewhere).
run_both -aiK -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
assert_rc treesync 0
[ -L "$TS_DST/d" ] && [ -f "$TS_DST/store/target/f" ] &&
    [ -L "$TS_DST/store/target/sub" ] &&
    [ -f "$TS_DST/store/inner/s" ] && [ -f "$TS_DST/store/deep/er/g" ] ||
    fail "-K: not written through the kept links"
[ -d "$TS_DST/f" ] && [ ! -L "$TS_DST/f" ] || fail "-K: dangling link kept"
expect_line rsync '>f+++++++++ d/sub/s'
# Up to date the second time, as rsync (the directories compared as what
# the links point to).
run_both_again -aiK -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
# --delete deletes through the link.
run_both -aiK --delete --exclude=/store -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
expect_line rsync '*deleting   d/old'
[ ! -e "$TS_DST/store/target/old" ] || fail "-K --delete: d/old kept"
# -n prints the same.
run_both -naiK --delete --exclude=/store -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs

# Without -K, or where the source has a file, the link is replaced.
run_both -ai -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
[ -d "$TS_DST/d" ] && [ ! -L "$TS_DST/d" ] || fail "no -K: link kept"
rm -rf "$SRC/e"
printf 'file\n' >"$SRC/e"
stamp "$SRC"
run_both -aiK -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/e" ] && [ ! -L "$TS_DST/e" ] || fail "-K: link kept for a file"
rm -rf "$DST"

# A link out of DEST: kept, not followed, each entry fails.
rm -rf "$SRC" "$T/outside"
mkdir -p "$SRC/out" "$T/outside" "$DST"
printf 'o\n' >"$SRC/out/o"
printf 'p\n' >"$SRC/out/p"
stamp "$SRC"
ln -s ../outside "$DST/out"
run_both -aiK -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
assert_rc treesync 23
[ -z "$(ls -A "$T/outside")" ] || fail "-K: written outside DEST"
grep -c "out/[op]" "$T/treesync.err" | grep -qx 2 ||
    fail "-K: each entry not said: $(cat "$T/treesync.err")"
ln -sfn "$T/outside" "$DST/out"
run_both -aiK -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
assert_rc treesync 23
[ -z "$(ls -A "$T/outside")" ] || fail "-K: written outside DEST (absolute)"
pass
