#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-R like rsync: each operand's path kept below DEST (implied directories with their attributes), the /./ marker, './' operands, several operands, a file and its directory both named, --delete inside the named directory only, a missing operand (exit 23), a directory operand without -r skipped; -j 1 and 8"

mkdir -p "$SRC/a/b/c" "$SRC/a/d" "$SRC/e"
printf 'f\n' >"$SRC/a/b/c/f"
printf 'g\n' >"$SRC/a/d/g"
printf 'top\n' >"$SRC/top"
printf 'e\n' >"$SRC/e/x"
chmod 0750 "$SRC/a/b"
stamp "$SRC"
# DEST: a stale file inside a named directory, and one beside it.
mkdir -p "$DST/src/a/b/c" "$DST/src/a/old"
printf 'stale\n' >"$DST/src/a/b/c/stale"
printf 'kept\n' >"$DST/src/a/old/kept"
stamp "$DST" 1400000000

# The operands are relative to $T (lib.sh runs both tools there).
for j in 1 8; do
	TS_ONLY_OPTS=(-j "$j")
	run_both -aiR -- src/a/b src/top "$DST/"
	assert_same_result
	# "./src/e" sends "." ($T, whose time moves as the test runs) too.
	run_both -aiR -- src/./a/d ./src/e "$DST/"
	assert_same_result --no-mtime-root
	run_both -aiR --delete -- src/a/b/c "$DST/"
	assert_same_result
	run_both -aiR -- src/a/b/c/f src/a/b "$DST/"
	assert_same_result
done
TS_ONLY_OPTS=()
expect_line rsync '.d..tp..... src/a/b/'
[ "$(stat -c %a "$TS_DST/src/a/b")" = 750 ] || fail "-R: the implied directory src/a/b lost its mode"
run_both -aiR --delete -- src/a/b/c "$DST/"
[ -e "$TS_DST/src/a/b/c/stale" ] && fail "-R --delete: stale kept inside the named directory"
[ -e "$TS_DST/src/a/old/kept" ] || fail "-R --delete: deleted outside the named directory"

# A missing operand: the others are sent, exit 23; without -r a named
# directory is skipped (rsync's line), files are sent.
run_both -aiR -- src/missing src/top "$DST/"
assert_same_result
assert_rc treesync 23
run_both -iR -- src/top src/e "$DST/"
assert_same_result --no-mtime
expect_line rsync 'skipping directory src/e'

# A dry run prints the real run's lines.
run_both -ainR -- src/./a "$DST/"
assert_same_output
pass
