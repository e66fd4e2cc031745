#!/bin/bash
# Issue 10, item 6: a dry run prints exactly the lines the real run prints,
# including "cannot delete non-empty directory" for a directory kept by
# protected (excluded) content, and *deleting lines for the contents of a
# directory replaced by a file.
. "$(dirname "$0")/lib.sh"
describe "-n prints the same lines as the real run (kept non-empty directories, replaced directories), and as rsync where rsync's -n is right"

mkdir -p "$SRC/a" "$DST/a/b" "$DST/repl/in"
printf 't\n' >"$SRC/a/t.txt"
printf 'u\n' >"$DST/a/b/u.txt"
printf 'o\n' >"$DST/a/b/o.dat"
printf 'r\n' >"$SRC/repl"
printf 'i\n' >"$DST/repl/in/i.txt"
stamp "$SRC" 1500000000; stamp "$DST" 1490000000

F=(--include='*/' --include='*.txt' --include=repl --exclude='*')
run_both -ai -n --delete "${F[@]}" -- "$SRC/" "$DST/"
expect_line rsync 'cannot delete non-empty directory: a/b'
assert_same_result
cp "$T/treesync.out" "$T/dry1.out"
run_both -ai --delete "${F[@]}" -- "$SRC/" "$DST/"
# a/b lost a file: both tools leave its mtime at "now".
assert_same_result --no-mtime-dirs
cp "$T/treesync.out" "$T/real1.out"

# Nested protected content: rsync's own dry run claims "*deleting
# gone/deep/", which its real run cannot do; treesync's dry run says what
# its real run does.
mkdir -p "$TS_DST/gone/deep"
printf 'g\n' >"$TS_DST/gone/deep/g.txt"
printf 'k\n' >"$TS_DST/gone/deep/k.dat"
run_ts -ai -n --delete "${F[@]}" -- "$SRC/" "$DST/"
cat "$T/treesync.out" >>"$T/dry1.out"
run_ts -ai --delete "${F[@]}" -- "$SRC/" "$DST/"
cat "$T/treesync.out" >>"$T/real1.out"
grep -qx 'cannot delete non-empty directory: gone/deep' "$T/real1.out" ||
	fail "scenario check: the real run did not keep gone/deep"

LC_ALL=C sort "$T/dry1.out" >"$T/dry.sorted"
LC_ALL=C sort "$T/real1.out" >"$T/real.sorted"
if ! diff -u "$T/dry.sorted" "$T/real.sorted" >"$T/dr.diff"; then
	note_file "$T/dr.diff"
	fail "the dry run's lines differ from the real run's"
fi
pass
