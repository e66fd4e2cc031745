#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "(root) --write-devices with -b like rsync: the backup of a device written in place is a regular file holding what the device held (a block device: its whole size; /dev/null: empty) with the node's mode and mtime, not another node of the device; --backup-dir too; a removed device is still kept as a node"
need_root "--write-devices writes into device nodes: needs root (mknod, losetup)"
command -v losetup >/dev/null || skip "no losetup (util-linux)"

# One loop device per tool, both holding the same old bytes.
mkdata "$T/old.img" 65536
mkloop() {
	cp "$T/old.img" "$T/$1.img"
	losetup -f --show "$T/$1.img" 2>/dev/null ||
		skip "cannot set up a loop device"
}
LOOP_RS=$(mkloop rs)
at_exit losetup -d "$LOOP_RS"
LOOP_TS=$(mkloop ts)
at_exit losetup -d "$LOOP_TS"
rdev() { echo "$((0x$(stat -c %t "$1"))) $((0x$(stat -c %T "$1")))"; }

mkdir -p "$SRC"
mkdata "$SRC/blk" 10000
printf 'to null\n' >"$SRC/null"
stamp "$SRC"
mkdest() {	# mkdest DIR LOOP
	rm -rf "$1"
	mkdir -p "$1"
	# shellcheck disable=SC2046  # major minor
	mknod "$1/blk" b $(rdev "$2")
	mknod "$1/null" c 1 3
	chmod 0640 "$1/blk"
	touch -d @1400000000 "$1/blk" "$1/null"
}
mkdest "$RS_DST" "$LOOP_RS"
mkdest "$TS_DST" "$LOOP_TS"
touch -r "$RS_DST" "$TS_DST"

# kept WHAT FILE: the backup FILE of each tool is a regular file holding
# the old bytes, with the node's mode and mtime.
kept() {
	local d
	for d in "$RS_DST" "$TS_DST"; do
		[ -f "$d/$2" ] && [ ! -L "$d/$2" ] || fail "$1: $d/$2 is not a regular file: $(ls -l "$d/$2" 2>&1)"
	done
	[ "$(stat -c %a.%Y.%s "$TS_DST/$2")" = "$(stat -c %a.%Y.%s "$RS_DST/$2")" ] ||
		fail "$1: $2 is $(stat -c %a.%Y.%s "$TS_DST/$2"), rsync's $(stat -c %a.%Y.%s "$RS_DST/$2")"
}

run_both_again -ai --write-devices -b -- "$SRC/" "$DST"
assert_same_output
expect_line rsync '>f.stp..... blk'
kept "-b" "blk~"
kept "-b" "null~"
cmp -s "$TS_DST/blk~" "$T/old.img" || fail "-b: blk~ does not hold the device's old bytes"
[ ! -s "$TS_DST/null~" ] || fail "-b: null~ is not empty"
cmp -s "$LOOP_RS" "$LOOP_TS" || fail "-b: the devices differ"
cmp -s -n 10000 "$LOOP_TS" "$SRC/blk" || fail "-b: blk's bytes are not in the device"
[ -b "$TS_DST/blk" ] && [ -c "$TS_DST/null" ] || fail "-b: a node was replaced"

# --backup-dir (treesync alone: rsync 3.5.0 makes the backup, then fails
# with "stat ... failed: Invalid argument", exit 23; README).
cp "$LOOP_TS" "$T/mid.img"
node=$(stat -c %a.%Y "$TS_DST/blk")
mkdata "$SRC/blk" 12000
run_ts -ai --write-devices --backup-dir="$T/bk" -- "$SRC/" "$DST"
assert_rc treesync 0
[ -f "$T/bk/blk" ] && cmp -s "$T/bk/blk" "$T/mid.img" ||
	fail "--backup-dir: bk/blk does not hold what the device held"
[ "$(stat -c %a.%Y "$T/bk/blk")" = "$node" ] ||
	fail "--backup-dir: bk/blk is $(stat -c %a.%Y "$T/bk/blk"), the node was $node"
cmp -s -n 12000 "$LOOP_TS" "$SRC/blk" || fail "--backup-dir: blk's bytes are not in the device"

# A device that is removed (--delete), not written: kept as a node.
mknod "$TS_DST/gone" c 1 3
run_ts -ai -b --delete -- "$SRC/" "$DST"
[ -c "$TS_DST/gone~" ] || fail "a removed device is not kept as a node: $(ls -l "$TS_DST" 2>&1)"
pass
