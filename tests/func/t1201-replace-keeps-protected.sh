#!/bin/bash
# A directory in DEST where the source has a file must be removed to make
# way for it; a protect rule (-f 'P NAME') or an exclude without
# --delete-excluded keeps what it names inside, as it does for --delete:
# rsync deletes the rest, says "cannot delete non-empty directory", does
# not make the file, and exits 23.
. "$(dirname "$0")/lib.sh"
describe "replacing a DEST directory by a file keeps the entries a protect rule or an exclude names inside it (rsync: exit 23, file not made)"

mkdir -p "$SRC"
printf 'file\n' >"$SRC/x"
printf 'file\n' >"$SRC/y"
printf 'ok\n' >"$SRC/z"
mkdir -p "$DST/x" "$DST/y" "$DST/z"
printf 'keep\n' >"$DST/x/keep"
printf 'other\n' >"$DST/x/other"
printf 'tmp\n' >"$DST/y/a.tmp"
printf 'o\n' >"$DST/y/o"
printf 'o\n' >"$DST/z/o"
stamp "$SRC" 1500000000; stamp "$DST" 1400000000

run_both -ai --delete --filter='P keep' -- "$SRC/" "$DST/"
expect_line rsync '*deleting   x/other'
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/x/keep" ] || fail "a protected entry was deleted"

run_both -ai --delete --exclude='*.tmp' -- "$SRC/" "$DST/"
expect_line rsync '*deleting   y/o'
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/y/a.tmp" ] || fail "an excluded entry was deleted without --delete-excluded"

run_both -ai --delete --delete-excluded --exclude='*.tmp' -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/y" ] || fail "with --delete-excluded the directory should be replaced"
pass
