#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--copy-unsafe-links like rsync 3.5.0: only the unsafe symlinks (absolute, climbing above the top of the transfer, '..' after a name) are copied as what they point to, said at -v ('copying unsafe symlink'), counted from the top (SRC/ or SRC); safe ones stay links (skipped without -l); links inside a followed directory judged by their path in the transfer; an unsafe dangling one is an error (exit 23); --safe-links then leaves nothing out; a second run is up to date; a DEST file where a safe link goes is replaced"

mkdir -p "$SRC/top/sub" "$SRC/top/in" "$SRC/out/d"
printf 'o\n' >"$SRC/out/f"
printf 'd\n' >"$SRC/out/d/g"
ln -s ../f "$SRC/out/d/up"
printf 'f\n' >"$SRC/top/f"
printf 'i\n' >"$SRC/top/in/i"
ln -s f "$SRC/top/ok"
ln -s ../f "$SRC/top/sub/okup"
ln -s ../../out/f "$SRC/top/sub/esc"
ln -s ../out/d "$SRC/top/escdir"
ln -s "$SRC/out/f" "$SRC/top/abs"
ln -s in/../f "$SRC/top/hard"
ln -s ../nowhere "$SRC/top/dang"
stamp "$SRC"
stamp "$SRC/out"

run_both -aiv --copy-unsafe-links -- "$SRC/top/" "$DST/"
assert_same_result
assert_rc treesync 23
expect_line rsync 'copying unsafe symlink "abs" -> "'"$SRC"'/out/f"'
expect_line rsync 'copying unsafe symlink "hard" -> "in/../f"'
expect_line rsync 'cL+++++++++ escdir/up -> ../f'
[ -L "$TS_DST/ok" ] && [ -L "$TS_DST/sub/okup" ] && [ -f "$TS_DST/sub/esc" ] &&
    [ ! -L "$TS_DST/sub/esc" ] && [ -f "$TS_DST/escdir/g" ] ||
    fail "--copy-unsafe-links: not as rsync's"
rm "$SRC/top/dang"
stamp "$SRC"

run_both -ai --copy-unsafe-links -- "$SRC/top/" "$DST/"
assert_same_result
assert_rc treesync 0
run_both_again -ai --copy-unsafe-links -- "$SRC/top/" "$DST/"
assert_same_result
# From SRC without the slash: one level deeper, "sub/esc" ("../../out/f"
# from top/sub) now stays in.
run_both -ai --copy-unsafe-links -- "$SRC/top" "$DST/"
assert_same_result --no-mtime-root
expect_line rsync 'cL+++++++++ top/escdir -> ../out/d'
# Without -l: the safe links are skipped, noisily at -v.
run_both -rtv --copy-unsafe-links -- "$SRC/top/" "$DST/"
assert_same_result
expect_line rsync 'skipping non-regular file "ok"'
# With --safe-links and -L's sibling -k.
run_both -aiv --copy-unsafe-links --safe-links -- "$SRC/top/" "$DST/"
assert_same_result
run_both -aik --copy-unsafe-links -- "$SRC/top/" "$DST/"
assert_same_result

# Over a DEST made by -L: the safe links replace the files, and the
# other way round.
run_both -aL -- "$SRC/top/" "$DST/"
rm -rf "$DST"
cp -a "$TS_DST" "$DST"
run_both -ai --copy-unsafe-links -- "$SRC/top/" "$DST/"
assert_same_result
[ -L "$TS_DST/ok" ] || fail "--copy-unsafe-links: DEST file not replaced by the link"
pass
