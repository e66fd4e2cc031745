#!/bin/bash
# Issue 10, item 5: a --chmod rule without u/g/o/a leaves the umask's bits
# alone, as chmod(1) and rsync do ("D+w,F+w" under umask 002 must not make
# world-writable files).
. "$(dirname "$0")/lib.sh"
describe "--chmod without u/g/o/a honours the umask (002, 022, 077) like rsync"

mkdir -p "$SRC/d/e"
printf 'f\n' >"$SRC/d/f"; chmod 0444 "$SRC/d/f"
printf 'g\n' >"$SRC/g"; chmod 0666 "$SRC/g"
chmod 0555 "$SRC/d/e"
stamp "$SRC" 1500000000
for m in 002 022 077; do
	umask "$m"
	for spec in 'D+w,F+w' '-w' '=rwX' 'Fo+w,+x' 'ug+w,-r'; do
		rm -rf "$DST"
		run_both -ai --chmod="$spec" -- "$SRC/" "$DST/"
		assert_same_result
		run_both -ri --chmod="$spec" -- "$SRC/" "$DST/"
		assert_same_result --no-mtime
	done
done
umask 022
pass
