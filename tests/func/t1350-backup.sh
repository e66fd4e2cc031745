#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-b, --backup-dir, --suffix like rsync: every updated, deleted or type-replaced entry kept aside (beside it, in a dir inside or outside DEST, on another file system), older backups protected from --delete, same -i lines and exit codes; a dry run keeps nothing"

# A stale DEST: a file to update, a mode change only (no backup), a symlink
# to re-point, a file where the source has a directory and one where it has
# a FIFO, extraneous files and directories (one deep), an older backup and
# a name ending in the suffix.
mkdir -p "$SRC/sub" "$SRC/t2"
printf 'new data\n' >"$SRC/f"
printf 'same\n' >"$SRC/s"
printf 'new sub\n' >"$SRC/sub/a"
ln -s target "$SRC/l"
mkfifo "$SRC/fifo"
stamp "$SRC"
mkdir -p "$DST/sub" "$DST/gone/deep" "$DST/dirgone"
printf 'old data\n' >"$DST/f"
printf 'same\n' >"$DST/s"
printf 'old sub\n' >"$DST/sub/a"
ln -s elsewhere "$DST/l"
printf 'file in the way\n' >"$DST/t2"
printf 'not a fifo\n' >"$DST/fifo"
printf 'extra\n' >"$DST/extra"
printf 'deep\n' >"$DST/gone/deep/z"
ln -s x "$DST/dirgone/sl"
printf 'older backup\n' >"$DST/f~"
printf 'keep\n' >"$DST/keep~"
stamp "$DST" 1400000000
touch -r "$SRC/s" "$DST/s"
chmod 0600 "$DST/s"

# Backups beside the files (-b implies -O: directory times are left as
# the backups make them, and not compared).
run_both -ai --delete -b -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
expect_line rsync '>f..t...... f'
expect_line rsync '*deleting   extra'
[ -f "$RS_DST/extra~" ] || fail "scenario: rsync kept no extra~"
for n in f~ extra~ sub/a~ l~ t2~ fifo~ gone/deep/z~ dirgone/sl~ keep~; do
	[ -e "$TS_DST/$n" ] || [ -L "$TS_DST/$n" ] || fail "-b: no backup $n"
done
grep -qx 'old data' "$TS_DST/f~" || fail "-b: f~ is not the old f"
[ -e "$TS_DST/s~" ] && fail "-b: a mode change made a backup"
[ "$(cat "$TS_DST/keep~")" = keep ] || fail "-b: keep~ was not protected"

# Another suffix: the old "~" names are extraneous now (and backed up).
run_both -ai --delete -b --suffix=.bak -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
[ -e "$TS_DST/keep~.bak" ] || fail "--suffix: no keep~.bak"

# A second run keeps what the first one made.
run_both_again -ai --delete -b -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs

# --backup-dir inside DEST: a tree of backups, itself never deleted.
run_both -ai --delete --backup-dir=bk -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/bk/gone/deep/z" ] || fail "--backup-dir: no bk/gone/deep/z"

# --backup-dir outside DEST (relative to it), and on another file system.
for where in "$T/bk" /dev/shm; do
	[ -d "$where" ] || mkdir -p "$where"
	[ -w "$where" ] || continue
	rs_bk=$(mktemp -d "$where/i12bk.rs.XXXXXX")
	ts_bk=$(mktemp -d "$where/i12bk.ts.XXXXXX")
	_reset_outputs
	run_rs -ai --delete --backup-dir="$rs_bk/x" -- "$SRC/" "$DST"
	run_ts -ai --delete --backup-dir="$ts_bk/x" -- "$SRC/" "$DST"
	assert_same_result --no-mtime-dirs
	assert_same_tree "$rs_bk" "$ts_bk" --no-mtime-dirs
	rm -rf "$rs_bk" "$ts_bk"
done

# A directory where a backup goes is removed first, with its contents
# (rsync's "deleting" lines), beside the file and in --backup-dir.
rm -f "$DST/f~"
mkdir -p "$DST/f~/in" "$T/bkd.rs/f/in2" "$T/bkd.ts/f/in2"
printf 'y\n' >"$DST/f~/in/y"
printf 'q\n' | tee "$T/bkd.rs/f/in2/q" >"$T/bkd.ts/f/in2/q"
run_both -ai -b -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
expect_line rsync '*deleting   f~/in/y'
_reset_outputs
run_rs -ai --backup-dir=../bkd.rs -- "$SRC/" "$DST"
run_ts -ai --backup-dir=../bkd.ts -- "$SRC/" "$DST"
sed 's|bkd\.rs|bkd|' "$T/rsync.out" >"$T/rsync.tmp" && mv "$T/rsync.tmp" "$T/rsync.out"
sed 's|bkd\.ts|bkd|' "$T/treesync.out" >"$T/treesync.tmp" && mv "$T/treesync.tmp" "$T/treesync.out"
expect_line rsync '*deleting   ../bkd/f/in2/q'
assert_same_result --no-mtime-dirs
assert_same_tree "$T/bkd.rs" "$T/bkd.ts" --no-mtime-dirs
rm -rf "$DST/f~"

# A dry run prints the same and keeps nothing.
run_both -ain --delete -b -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
[ -e "$TS_DST/extra~" ] && fail "dry run made a backup"

# rsync's checks of the suffix.
run_both -a -b --suffix=a/b -- "$SRC/" "$DST"
assert_rc treesync 1
assert_same_output
run_both -a -b --suffix= -- "$SRC/" "$DST"
assert_rc treesync 1
assert_same_output
pass
