#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-m with DEST entries in the way of kept directories: -n counts what the real run removes (--stats' deleted and created files as rsync counts them, the same lines), and both print rsync's -i lines and exit code; the real run's tree is rsync's"
need_func

mkdir -p "$SRC/d/e" "$SRC/k/l/m" "$SRC/empty/sub" "$DST/k"
printf 'f\n' >"$SRC/d/e/f"
printf 'm\n' >"$SRC/k/l/m/f"
printf 'x\n' >"$DST/d"		# a file where a kept directory goes
ln -s nowhere "$DST/k/l"	# a symlink one level down
ln -s nowhere "$DST/empty"	# where a pruned directory would have gone
stamp "$SRC" 1500000000; stamp "$DST" 1400000000

for opts in "-ai -m" "-ai -m --delete" "-ai -m -b --backup-dir=bk"; do
	# shellcheck disable=SC2086
	run_both $opts -n -- "$SRC/" "$DST/"
	assert_same_output
	# shellcheck disable=SC2086
	run_both $opts -- "$SRC/" "$DST/"
	assert_same_result --no-mtime-dirs
	# shellcheck disable=SC2086
	{ _reset_outputs
	  run_ts $opts -n --stats -- "$SRC/" "$DST/"
	  grep -E '^(Number of (deleted|created) files|[^ ]{11} )' "$T/treesync.out" | LC_ALL=C sort >"$T/dry.lines"
	  run_ts $opts --stats -- "$SRC/" "$DST/"
	  grep -E '^(Number of (deleted|created) files|[^ ]{11} )' "$T/treesync.out" | LC_ALL=C sort >"$T/real.lines"; }
	# The counts are rsync's: an entry replaced by another type is not
	# a deleted file (only --delete's "empty" link is).
	# shellcheck disable=SC2086
	run_rs $opts --stats -- "$SRC/" "$DST/"
	grep -E '^(Number of (deleted|created) files|[^ ]{11} )' "$T/rsync.out" | LC_ALL=C sort >"$T/rs.lines"
	grep '^Number of' "$T/rs.lines" >"$T/rs.counts"
	grep '^Number of' "$T/real.lines" >"$T/ts.counts"
	diff -u "$T/rs.counts" "$T/ts.counts" >"$T/rc.diff" ||
		{ note_file "$T/rc.diff" 20; fail "$opts: --stats counts differ from rsync's"; }
	diff -u "$T/real.lines" "$T/dry.lines" >"$T/dr.diff" ||
		{ note_file "$T/dr.diff" 20; fail "$opts: -n counts or lines differ from the real run's"; }
done
pass
