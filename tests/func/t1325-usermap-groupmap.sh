#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--usermap/--groupmap like rsync: numbers, ranges, names, wildcards, an empty FROM (nameless ids; every id with --numeric-ids), first rule wins, unknown TO names warned and left out, syntax and --chown conflicts exit 1"
need_treesync
need_root

mkdir -p "$SRC/d/e"
for f in f1 f2 f3 d/g d/e/h; do echo "$f" >"$SRC/$f"; done
chown 0:0 "$SRC/f1"; chown daemon:daemon "$SRC/f2"	# named ids
chown 5000:5001 "$SRC/f3" "$SRC/d/e"; chown 5002:5003 "$SRC/d/g"	# nameless
chown bin:bin "$SRC/d" "$SRC/d/e/h"
stamp "$SRC"

for args in "--groupmap=0:1" "--usermap=*:7" "--usermap=5000-5001:9,*:8" \
	"--usermap=root:daemon,daemon:root" "--groupmap=d*:4,[br]?*:5" \
	"--groupmap=:3" "--numeric-ids --groupmap=:3" "--usermap=0-0:6" \
	"--usermap=5002:nosuchuser,*:11" "--chown=12 --groupmap=5001-5003:13" \
	"--no-o --usermap=5000:1"; do
	rm -rf "$DST"
	# shellcheck disable=SC2086
	run_both -ai $args -- "$SRC/" "$DST"
	assert_same_result
done

for args in "--usermap=x" "--groupmap=1-x:0" "--usermap=1-2-3:0" "--usermap=0:" \
	"--chown=1:2 --usermap=0:1" "--groupmap=0:1 --chown=:2" \
	"--usermap=0:1 --usermap=1:2"; do
	rm -rf "$DST"
	# shellcheck disable=SC2086
	run_both -a $args -- "$SRC/" "$DST"
	assert_rc treesync 1
	assert_same_result
	[ -e "$TS_DST" ] && fail "$args: DEST made by a refused command line"
done
pass
