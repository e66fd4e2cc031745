#!/bin/bash
# --confine-root=DIR: operator option paths must resolve below DIR.
# Against rsync: its usage errors (relative DIR, with --insecure-links),
# "/" as a no-op, option paths inside DIR (also through a symlink that
# stays inside), and explicit source and DEST roots outside DIR all give
# the same tree, lines and exit code.  Outside DIR, rsync 3.5.0 locally
# confines only its receiver's temp and backup directories (each file then
# fails, exit 23 / 11); treesync refuses every option path there before
# using it (README, deliberate differences), which is checked on its own:
# nothing is read from or written outside DIR.
. "$(dirname "$0")/lib.sh"
describe "--confine-root: rsync's usage errors, / a no-op, paths inside DIR as rsync; -T, --files-from, --exclude-from, --log-file, --write-batch, --backup-dir, --link-dest outside DIR refused, nothing written there"

BOX=$T/box OUT=$T/outside
mkdir -p "$SRC/sub" "$BOX/tmp" "$OUT/tmp" "$BOX/ref"
printf 'a\n' >"$SRC/a"; printf 'bb\n' >"$SRC/sub/b"; printf 'c\n' >"$SRC/c"
printf '.\na\nsub/b\n' >"$BOX/list"; cp "$BOX/list" "$OUT/list"
printf 'c\n' >"$BOX/excl"; cp "$BOX/excl" "$OUT/excl"
cp -p "$SRC/a" "$BOX/ref/a"
ln -s tmp "$BOX/tmplink"          # stays inside
ln -s ../outside/tmp "$BOX/escape" # leads outside
stamp "$SRC"

# rsync's usage errors.
for opts in "--confine-root=box" "--confine-root=$BOX --insecure-links" \
    "--insecure-links --confine-root=/" "--confine-root="; do
    read -r -a o <<<"$opts"
    run_both -ai "${o[@]}" -- "$SRC/" "$DST"
    assert_rc rsync 1
    assert_same_result
done

# "/" confines nothing; inside DIR everything works; SRC and DEST are
# explicit roots, outside DIR.
for opts in "--confine-root=/ -T $OUT/tmp --files-from=$OUT/list" \
    "--confine-root=$BOX -T $BOX/tmp" "--confine-root=$BOX -T $BOX/tmplink" \
    "--confine-root=$BOX --exclude-from=$BOX/excl" \
    "--confine-root=$BOX --link-dest=$BOX/ref" \
    "--confine-root=$BOX --compare-dest=$BOX/ref"; do
    read -r -a o <<<"$opts"
    run_both -ai "${o[@]}" -- "$SRC/" "$DST"
    expect_line rsync '>f+++++++++ sub/b'
    assert_same_result
done

# --files-from: the paths selected from it are confined too (rsync: each
# fails, exit 23, nothing sent) when the source directory is outside DIR,
# and used when it is inside.
mkdir -p "$DST"; touch -d @1600000000 "$DST"
# (DEST/: with nothing selected rsync makes no DEST without its slash;
# t1381 has that.)
run_both -ai --confine-root="$BOX/" --files-from="$BOX/list" -- "$SRC/" "$DST/"
assert_rc rsync 23
assert_same_result
rm -rf "$DST"; cp -a "$SRC" "$BOX/src"
run_both -ai --confine-root="$BOX/" --files-from="$BOX/list" -- "$BOX/src/" "$DST"
expect_line rsync '>f+++++++++ sub/b'
assert_same_result

# Outside DIR: refused before use (treesync alone).
refused() {   # refused CODE WHAT
    assert_rc treesync "$1"
    grep -q "outside --confine-root" "$T/treesync.err" ||
        fail "$2: no refusal message: $(cat "$T/treesync.err")"
    [ -z "$(ls -A "$OUT/tmp")" ] || fail "$2: something was written in $OUT/tmp"
}
rm -rf "$TS_DST"
run_ts -ai --confine-root="$BOX" -T "$OUT/tmp" -- "$SRC/" "$DST"
refused 1 "-T outside"
[ ! -e "$TS_DST/a" ] || fail "-T outside: a copied anyway"
run_ts -ai --confine-root="$BOX" -T "$BOX/escape" -- "$SRC/" "$DST"
refused 1 "-T through a symlink leading outside"
run_ts -ai --confine-root="$BOX" --files-from="$OUT/list" -- "$SRC/" "$DST"
refused 1 "--files-from outside"
run_ts -ai --confine-root="$BOX" --exclude-from="$OUT/excl" -- "$SRC/" "$DST"
refused 11 "--exclude-from outside"
run_ts -ai --confine-root="$BOX" -f "merge $BOX/../outside/excl" -- "$SRC/" "$DST"
refused 11 "a merge rule's file outside"
run_ts -ai --confine-root="$BOX" --write-batch="$OUT/tmp/batch" -- "$SRC/" "$DST"
refused 11 "--write-batch outside"
run_ts -ai --confine-root="$BOX" --log-file="$OUT/tmp/log" -- "$SRC/" "$DST"
refused 0 "--log-file outside (a warning, as a log that cannot be opened)"
# --backup-dir: nothing made outside, the file kept in place (exit 23).
printf 'old\n' >"$TS_DST/a"
run_ts -ai --confine-root="$BOX" -b --backup-dir="$OUT/tmp/bk" -- "$SRC/" "$DST"
refused 23 "--backup-dir outside"
[ "$(cat "$TS_DST/a")" = old ] || fail "--backup-dir outside: a replaced without a backup"
# --link-dest outside: not used (a warning), files copied.
run_ts -ai --confine-root="$BOX" --link-dest="$OUT" -- "$SRC/" "$DST"
refused 0 "--link-dest outside"
pass
