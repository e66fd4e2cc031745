#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-R and --files-from through symlinked source directories like rsync 3.5.0: a symlink on the way to a listed path (before or after the /./ marker, with a '..' target beneath the source) is sent as the real directory it points to, with that directory's attributes; a symlink listed and implied is that directory, for the deeper listed path only"

mkdir -p "$SRC/real/sub" "$SRC/deep"
printf 'payload\n' >"$SRC/real/sub/file"
printf 'other\n' >"$SRC/real/other"
ln -s real "$SRC/link"
ln -s ../real "$SRC/deep/alias"
ln -s real/other "$SRC/flink"
ln -s nowhere "$SRC/dang"
stamp "$SRC"

cd "$T" || fail "harness: cd"
run_both -aiR -- src/link/sub/file "$DST/"
assert_same_result --no-mtime-root
assert_rc treesync 0
[ -d "$TS_DST/src/link" ] && [ ! -L "$TS_DST/src/link" ] &&
    [ -f "$TS_DST/src/link/sub/file" ] || fail "-R: implied link not a directory"
run_both -aiR -- src/deep/alias/sub/file "$DST/"
assert_same_result --no-mtime-root
assert_rc treesync 0
run_both -aiR -- "src/./link/sub/file" "$DST/"
assert_same_result --no-mtime-root
expect_line rsync 'cd+++++++++ link/'
# Twice, and with the listed link itself (a link, as listed).
run_both -aiR -- "src/./link/sub/file" src/./link src/./flink "$DST/"
assert_same_result --no-mtime-root
run_both_again -aiR -- "src/./link/sub/file" src/./link "$DST/"
assert_same_result --no-mtime-root
# --files-from names them the same way.
printf 'link/sub/file\ndeep/alias/sub/file\n' >"$T/list"
run_both -ai --files-from="$T/list" -- src/ "$DST/"
assert_same_result --no-mtime-root
pass
