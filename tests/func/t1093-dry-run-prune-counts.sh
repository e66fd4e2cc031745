#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-m with DEST entries in the way of kept directories: -n counts what the real run removes (--stats' deleted files, the same lines), and both print rsync's -i lines and exit code; the real run's tree is rsync's"
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
	grep -q '^Number of deleted files: [1-9]' "$T/real.lines" ||
		fail "$opts: scenario: the real run removed nothing: $(cat "$T/real.lines")"
	diff -u "$T/real.lines" "$T/dry.lines" >"$T/dr.diff" ||
		{ note_file "$T/dr.diff" 20; fail "$opts: -n counts or lines differ from the real run's"; }
done
pass
