#!/bin/bash
# Symlink targets of the longest length Linux allows (4095 bytes) are
# read whole wherever treesync reads one: the walk, --list-only, the
# batch writer, the backup copy of a symlink across file systems, and an
# operator path (--log-file) that leads through one.  These places read
# into fixed PATH_MAX buffers before; they share walk_readlink() now
# (any length, read until the buffer is not full), so a target is never
# cut silently.  (The kernel caps a target at PATH_MAX - 1, which those
# buffers held, so this cannot fail on main: it keeps the longest case
# covered.)
. "$(dirname "$0")/lib.sh"
describe "4095-byte symlink targets read whole: copy and --list-only like rsync, --write-batch/--read-batch, -b --backup-dir on another file system, --log-file through such a link"
need_treesync

long() {   # long N NAME: "./" repeated, then NAME, N bytes in all
	local n=$(( ($1 - ${#2}) / 2 )) s
	s=$(printf '%*s' "$n" '' | sed 's| |./|g')
	printf '%s%s' "$s" "$2"
}
T1=$(long 4095 f)
[ ${#T1} = 4095 ] || fail "harness: target is ${#T1} bytes"
mkdir -p "$SRC"
echo data >"$SRC/f"
ln -s "$T1" "$SRC/link"
stamp "$SRC"

# (No -i: rsync 3.5.0 cuts an -i line at 4 KiB, treesync prints it whole.)
run_both -a -- "$SRC/" "$DST"
assert_same_result
[ "$(readlink "$TS_DST/link")" = "$T1" ] || fail "copy: target cut"

run_both -rl --list-only -- "$SRC/" "$DST"
assert_same_output

# Batch: written and replayed into a fresh DEST, the target whole.
rm -rf "$T/b1" "$T/b2"
"$TREESYNC" -a --write-batch="$T/batch" -- "$SRC/" "$T/b1" >/dev/null 2>&1 ||
	fail "--write-batch: exit $?"
"$TREESYNC" -a --read-batch="$T/batch" -- "$T/b2" >/dev/null 2>&1 ||
	fail "--read-batch: exit $?"
[ "$(readlink "$T/b2/link")" = "$T1" ] || fail "batch: target cut"

# -b --backup-dir on another file system: the replaced symlink is made
# again there (a copy, not a link), its target whole.
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
	BK=$(mktemp -d /dev/shm/ts1383.XXXXXX)
	at_exit rm -rf "$BK"
	rm -rf "$TS_DST"; mkdir -p "$TS_DST"
	ln -s "$T1" "$TS_DST/f"
	run_ts -a -b --backup-dir="$BK" -- "$SRC/" "$DST"
	assert_rc treesync 0
	[ "$(readlink "$BK/f")" = "$T1" ] || fail "--backup-dir: target cut"
else
	note "no /dev/shm on another file system: backup copy not checked"
fi

# --log-file through a symlink (ours: followed) with such a target.
mkdir -p "$T/logs"
echo >"$T/logs/f"
ln -s "$T1" "$T/logs/loglink"
run_ts -a --log-file="$T/logs/loglink" -- "$SRC/" "$DST"
assert_rc treesync 0
grep -q "treesync" "$T/logs/f" || fail "--log-file through the link: nothing logged"
pass
