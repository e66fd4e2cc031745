#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-m/--prune-empty-dirs like rsync: empty chains and chains emptied by excludes are not made (a skipped symlink or fifo, a file under --min-size still keeps its directory), an existing pruned directory is left alone or, with --delete, deleted; a protect rule keeps a directory and its parents; -d, a named empty operand, -n, --no-m; -j 1 and 8"

mkdir -p "$SRC/empty/e1/e2" "$SRC/full/d1/d2" "$SRC/onlylogs/sub" \
	"$SRC/mixed/sub" "$SRC/lnkonly/a" "$SRC/fifo/b" "$SRC/small/x"
printf 'data\n' >"$SRC/full/d1/d2/file"
printf 'a\n' >"$SRC/onlylogs/sub/a.log"
printf 'k\n' >"$SRC/mixed/sub/k.txt"
printf 'd\n' >"$SRC/mixed/sub/d.log"
printf 's\n' >"$SRC/small/x/tiny"
ln -s target "$SRC/lnkonly/a/l"
mkfifo "$SRC/fifo/b/p"
chmod 0750 "$SRC/full/d1"
stamp "$SRC"
# DEST: pruned chains that exist (one with a stale file), with old times
# and another mode, and a kept one.
mkdir -p "$DST/empty/e1/e2" "$DST/onlylogs/sub" "$DST/full"
printf 'q\n' >"$DST/empty/e1/extra"
chmod 0700 "$DST/empty"
stamp "$DST" 1400000000

for j in 1 8; do
	TS_ONLY_OPTS=(-j "$j")
	run_both -ai -m --exclude='*.log' -- "$SRC/" "$DST/"
	assert_same_result
	run_both -ai -m --exclude='*.log' --delete -- "$SRC/" "$DST/"
	assert_same_result
	run_both -ain -m --exclude='*.log' --delete -- "$SRC/" "$DST/"
	assert_same_result
	run_both -ai --prune-empty-dirs --min-size=10 -- "$SRC/" "$DST/"
	assert_same_result
	run_both -ri -m -- "$SRC/" "$DST/"
	assert_same_result --no-mtime
	run_both -ai -m --include='*/' --include='*.txt' --exclude='*' -- \
		"$SRC/" "$DST/"
	assert_same_result
done
TS_ONLY_OPTS=()
expect_line rsync 'cd+++++++++ mixed/sub/'

# Untouched without --delete: an existing pruned directory keeps its mode
# and time; with --delete it goes.
run_both -ai -m -- "$SRC/" "$DST/"
assert_same_result
[ "$(stat -c %a "$TS_DST/empty")" = 700 ] || fail "-m: pruned empty/ was changed"
run_both -ai -m --delete -- "$SRC/" "$DST/"
assert_same_result
[ -e "$TS_DST/empty" ] && fail "-m --delete: pruned empty/ was kept"

# Into an empty DEST.
rm -rf "$DST"
run_both -ai -m --exclude='*.log' -- "$SRC/" "$DST/"
assert_same_result
[ -e "$TS_DST/onlylogs" ] && fail "-m: onlylogs/ (only excluded files) was made"
[ -e "$TS_DST/empty" ] && fail "-m: the empty chain was made"
[ -d "$TS_DST/fifo/b" ] || fail "-m: fifo/b (a skipped fifo) was pruned"
[ "$(stat -c %a "$TS_DST/full/d1")" = 750 ] || fail "-m: full/d1 lost its mode"

# A protect rule keeps the directory it names, and every one above it.
run_both -ai -m --filter='P e2/' --filter='protect onlylogs/' -- \
	"$SRC/" "$DST/"
assert_same_result
[ -d "$TS_DST/empty/e1/e2" ] || fail "-m: protected e2/ was pruned"

# -d lists directories without their contents: all pruned.  A named
# empty operand is pruned too (not "./").
run_both -di -m -- "$SRC/" "$DST/"
assert_same_result --no-mtime
run_both -ai -m -- "$SRC/empty" "$SRC/full" "$DST/"
assert_same_result --no-mtime-root
[ -e "$TS_DST/empty" ] && fail "-m: the named empty operand was made"
# A non-directory where a source directory is: replaced only if the
# directory is kept; else left, or deleted with --delete (also -n, -b).
rm -rf "$DST"; mkdir "$DST"
printf 'x\n' >"$DST/empty"
printf 'y\n' >"$DST/full"
stamp "$DST" 1400000000
for o in -ai -ain "-ain --delete" "-ai --delete"; do
	# shellcheck disable=SC2086
	run_both $o -m -- "$SRC/" "$DST/"
	assert_same_result
done
[ -f "$TS_DST/empty" ] && fail "-m --delete: the file where a pruned directory is was kept"
# (-b: neither tool sets the new directories' times.)
run_both -aib -m -- "$SRC/" "$DST/"
assert_same_result --no-mtime

# --no-m and --no-prune-empty-dirs turn it off again.
run_both -ai -m --no-m -- "$SRC/" "$DST/"
assert_same_result
run_both -ai -m --no-prune-empty-dirs -- "$SRC/" "$DST/"
assert_same_result
[ -d "$TS_DST/empty/e1/e2" ] || fail "--no-prune-empty-dirs: empty chain pruned"
pass
