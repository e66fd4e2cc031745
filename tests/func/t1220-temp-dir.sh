#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-T/--temp-dir like rsync: the same tree, -i lines and exit code with DIR absolute, relative to DEST, and on another file system; the temps are really made in DIR and none is left there; a missing DIR exits 1"
need_func

# A tree at depth, a new DEST each time, then updates into an existing one.
mkdir -p "$SRC/d1/d2/d3"
for f in a d1/b d1/d2/c d1/d2/d3/e; do mkdata "$SRC/$f" 70000; done
printf 'x\n' >"$SRC/d1/small"
: >"$SRC/empty"
chmod 0640 "$SRC/d1/b"
stamp "$SRC"

mkdir -p "$T/tmp.rs" "$T/tmp.ts"
# The same directory for both tools: it is empty again after each run.
run_both -ai -T "$T/tmp.ts" -- "$SRC/" "$DST"
assert_same_result
[ -z "$(ls -A "$T/tmp.ts")" ] || fail "-T: temps left in DIR: $(ls -A "$T/tmp.ts")"

# DIR relative to DEST (as rsync's receiver resolves it), inside DEST.
mkdir -p "$DST/.tmpd"
run_both -ai --temp-dir=.tmpd -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs	# .tmpd's time is when the temps were
[ -z "$(ls -A "$TS_DST/.tmpd")" ] || fail "-T .tmpd: temps left"
rmdir "$RS_DST/.tmpd" "$TS_DST/.tmpd"

# Updates into the existing trees, through DIR.
for f in a d1/d2/c; do mkdata "$SRC/$f" 80000; done
stamp "$SRC" 1500000000
run_both_again -ai -T "$T/tmp.ts" -- "$SRC/" "$DST"
assert_same_result

# The temps are made in DIR: its mtime moves (it stays put without -T).
touch -d @1000000000 "$T/tmp.ts"
mkdata "$SRC/a" 90000
run_ts -a -T "$T/tmp.ts" -- "$SRC/" "$DST"
[ "$TS_RC" = 0 ] || fail "-T: exit $TS_RC"
[ "$(stat -c %Y "$T/tmp.ts")" != 1000000000 ] ||
	fail "-T: no temp file was made in DIR"
cmp -s "$SRC/a" "$TS_DST/a" || fail "-T: a not updated"

# DIR on another file system: the temp is copied beside its final name.
other=
for d in /dev/shm /run /var/tmp; do
	[ -d "$d" ] && [ -w "$d" ] &&
	    [ "$(stat -c %d "$d")" != "$(stat -c %d "$T")" ] && { other=$d; break; }
done
if [ -n "$other" ]; then
	xd=$(mktemp -d "$other/t1220.XXXXXX")
	at_exit rm -rf "$xd"
	rm -rf "$DST"
	run_both -ai -T "$xd" -- "$SRC/" "$DST"
	assert_same_result
	[ -z "$(ls -A "$xd")" ] || fail "-T on another fs: temps left in DIR"
	mkdata "$SRC/d1/b" 50000
	run_both_again -ai --temp-dir="$xd" -- "$SRC/" "$DST"
	assert_same_result
else
	note "no writable directory on another file system: that case skipped"
fi

# A missing DIR: rsync's usage error, exit 1, nothing copied.
rm -rf "$DST"
run_both -a -T "$T/nope" -- "$SRC/" "$DST"
assert_rc rsync 1
assert_rc treesync 1
grep -q 'The temp-dir does not exist' "$T/treesync.err" ||
	fail "-T missing: message $(cat "$T/treesync.err")"
[ -e "$TS_DST/a" ] && fail "-T missing: a file was copied anyway"
pass
