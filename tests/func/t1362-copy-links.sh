#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-L/--copy-links like rsync 3.5.0: every source symlink is what it points to (file, directory with its contents, in or outside the tree, also an operand); a dangling one is said ('symlink has no referent'), left out and nothing is deleted (exit 23); a link to an ancestor is followed until its path holds more than 40 links (then a directory is made but not read, a file not sent); with -H the links to one file with other links join its group; a DEST symlink is replaced by the referent"

# Which link of a group is copied and which are linked ('hf X => Y')
# follows the walk order (README): file lines are compared by name only.
same_but_hf() {
    local tag
    for tag in rsync treesync; do
        filtered_out $tag | sed -E 's/^(>f|hf)[^ ]* //; s/ => .*//' |
            LC_ALL=C sort >"$T/$tag.nohf"
    done
    diff -u "$T/rsync.nohf" "$T/treesync.nohf" || fail "-i lines differ"
    [ "$RS_RC" = "$TS_RC" ] || fail "exit code $TS_RC, rsync $RS_RC"
    assert_same_tree "$RS_DST" "$TS_DST"
}

mkdir -p "$SRC/d/in" "$SRC/sub" "$T/other"
printf 'f\n' >"$SRC/f"
ln "$SRC/f" "$SRC/f2"
printf 'g\n' >"$SRC/g"
printf 'x\n' >"$SRC/d/in/x"
printf 'o\n' >"$T/other/o"
ln -s f "$SRC/lf"
ln -s ../f "$SRC/sub/up"
ln -s g "$SRC/lg"
ln -s d "$SRC/ld"
ln -s ../other "$SRC/lo"
ln -s "$T/other/o" "$SRC/abs"
ln -s lf "$SRC/chain"
ln -s d/in/x "$SRC/deep"
stamp "$SRC"
stamp "$T/other"

run_both -aiL -- "$SRC/" "$DST/"
assert_same_result
assert_rc treesync 0
[ -f "$TS_DST/lf" ] && [ ! -L "$TS_DST/lf" ] && [ -f "$TS_DST/ld/in/x" ] &&
    [ ! -L "$TS_DST/ld" ] && [ -f "$TS_DST/lo/o" ] && [ -f "$TS_DST/chain" ] ||
    fail "-L: links not made into their referents"
expect_line rsync '>f+++++++++ chain'
expect_line rsync 'cd+++++++++ lo/'
# Up to date the second time (the referent's times and size).
run_both_again -aiL -- "$SRC/" "$DST/"
assert_same_result
# -c reads the referent too.
run_both_again -aicL -- "$SRC/" "$DST/"
assert_same_result
# Without -a's -l as well, and from SRC without the slash.
run_both -rtiL -- "$SRC" "$DST/"
assert_same_result --no-mtime-root

# -H: f, f2 and the three links to f are one group; g (one link) is not.
run_both -aiHL -- "$SRC/" "$DST/"
same_but_hf
[ "$(stat -c %h "$TS_DST/lf")" = 5 ] && [ "$(stat -c %h "$TS_DST/lg")" = 1 ] ||
    fail "-HL: hard-link groups not as rsync's"

# A DEST symlink where the referent goes is replaced.
mkdir -p "$DST"
ln -s /tmp "$DST/ld"
ln -s nowhere "$DST/lf"
run_both -aiL -- "$SRC/" "$DST/"
assert_same_result
[ -d "$TS_DST/ld" ] && [ ! -L "$TS_DST/ld" ] || fail "-L: DEST symlink kept"
rm -rf "$DST"

# Operands: a link to a file and a link to a directory.
run_both -aiL -- "$SRC/lf" "$SRC/ld" "$DST/"
assert_same_result --no-mtime-root
[ -f "$TS_DST/ld/in/x" ] || fail "-L: operand link to a directory not followed"

# A dangling link: said, left out, exit 23, nothing deleted.
ln -s nowhere "$SRC/dang"
stamp "$SRC"
mkdir -p "$DST"
printf 'old\n' >"$DST/extra"
run_both -aiL --delete -- "$SRC/" "$DST/"
# (rsync says 'IO error encountered -- skipping file deletion' on stdout,
# treesync on stderr.)
assert_same_tree "$RS_DST" "$TS_DST"
assert_rc rsync 23
assert_rc treesync 23
grep -q "symlink has no referent" "$T/rsync.err" ||
    fail "scenario check: rsync does not say 'symlink has no referent'"
grep -q "symlink has no referent: '.*dang'" "$T/treesync.err" ||
    fail "-L: the dangling link not said: $(cat "$T/treesync.err")"
[ -f "$TS_DST/extra" ] || fail "-L: deleted after a dangling link"
# --list-only lists the referents and leaves the dangling one out.
run_both -rL --list-only -- "$SRC/"
assert_same_output
filtered_out rsync | grep ' ld/in/x$' >/dev/null ||
    fail "scenario check: rsync -rL --list-only does not list ld/in/x"
# A dangling operand.
run_both -aiL -- "$SRC/dang" "$SRC/f" "$DST/"
assert_same_result --no-mtime-root
assert_rc treesync 23
rm -rf "$DST" "$SRC/dang"

# A link to an ancestor: followed up to 40 links on one path.
rm -rf "$SRC"
mkdir -p "$SRC/sub"
printf '1\n' >"$SRC/f"
ln -s f "$SRC/lf"
ln -s .. "$SRC/sub/up"
stamp "$SRC"
run_both -aiL -- "$SRC/" "$DST/"
assert_same_result
assert_rc treesync 23
pass
