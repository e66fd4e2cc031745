#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "(root) --write-devices like rsync: a regular file is written into the block or character device node DEST has at its name (a loop device, /dev/null), in place, with the node's mode and times set; a planted symlink to a device is replaced, never followed; -ai, -n, again, -c, -rli; a device smaller than the file: exit 11, the device full of the file's first bytes"
need_root "--write-devices writes into device nodes: needs root (mknod, losetup)"
command -v losetup >/dev/null || skip "no losetup (util-linux)"

# One loop device per tool (the nodes of rsync's DEST name one, treesync's
# the other: they compare equal but for that device number), and a third
# that a planted symlink points to, which nobody may write.
mkloop() {
	head -c "$2" /dev/zero >"$T/$1.img"
	losetup -f --show "$T/$1.img" 2>/dev/null ||
		skip "cannot set up a loop device"
}
LOOP_RS=$(mkloop rs 65536)
at_exit losetup -d "$LOOP_RS"
LOOP_TS=$(mkloop ts 65536)
at_exit losetup -d "$LOOP_TS"
LOOP_X=$(mkloop x 65536)
at_exit losetup -d "$LOOP_X"
rdev() { echo "$((0x$(stat -c %t "$1"))),$((0x$(stat -c %T "$1")))"; }

mkdir -p "$SRC/sub"
mkdata "$SRC/blk" 10000
printf 'to null\n' >"$SRC/sub/null"
printf 'not through the link\n' >"$SRC/sub/link"
printf 'plain\n' >"$SRC/f"
chmod 0600 "$SRC/blk" "$SRC/sub/null"
stamp "$SRC"

# DEST: nodes where the source has files (the loop device, /dev/null), a
# symlink to the third loop device, and an older plain file.
mkdest() {	# mkdest DIR LOOP
	rm -rf "$1"
	mkdir -p "$1/sub"
	mknod "$1/blk" b $(rdev "$2" | tr , ' ')
	mknod "$1/sub/null" c 1 3
	ln -s "$LOOP_X" "$1/sub/link"
	printf 'old\n' >"$1/f"
	touch -d @1400000000 "$1/blk" "$1/sub/null" "$1/f"
}

# shellcheck disable=SC2086  # SNAPF: snap.py flags, word-split
# Trees equal but for which loop device each blk node names; the devices
# hold the same bytes; the third one was never written.
same_devices() {
	diff <(snap "$RS_DST" ${SNAPF:-} | sed "s/rdev=$(rdev "$LOOP_RS")\b/rdev=LOOP/") \
		<(snap "$TS_DST" ${SNAPF:-} | sed "s/rdev=$(rdev "$LOOP_TS")\b/rdev=LOOP/") \
		>"$T/tree.diff" || { note_file "$T/tree.diff" 40; fail "$*: trees differ"; }
	cmp -s "$LOOP_RS" "$LOOP_TS" || fail "$*: the devices differ"
	cmp -s "$LOOP_X" "$T/x.img.zero" || fail "$*: a symlinked device was written"
}
head -c 65536 /dev/zero >"$T/x.img.zero"

mkdest "$RS_DST" "$LOOP_RS"
mkdest "$TS_DST" "$LOOP_TS"
for e in sub/link sub .; do touch -h -r "$RS_DST/$e" "$TS_DST/$e"; done
run_both_again -ain --write-devices -- "$SRC/" "$DST"
assert_same_output
expect_line rsync '>f.stp..... blk'
same_devices "-n"
cmp -s -n 10000 "$LOOP_TS" "$T/x.img.zero" || fail "-n wrote the device"

run_both_again -ai --write-devices -- "$SRC/" "$DST"
assert_same_output
expect_line rsync '>f.stp..... blk'
expect_line rsync '>f+++++++++ sub/link'
same_devices "-ai"
[ -b "$TS_DST/blk" ] && [ -c "$TS_DST/sub/null" ] || fail "a node was replaced"
[ -f "$TS_DST/sub/link" ] && [ ! -L "$TS_DST/sub/link" ] ||
	fail "the symlink is not replaced by a file"
cmp -s -n 10000 "$LOOP_TS" "$SRC/blk" || fail "blk's bytes are not in the device"
[ "$(stat -c %a.%Y "$TS_DST/blk")" = "600.$(stat -c %Y "$SRC/blk")" ] ||
	fail "the node has not the file's mode and mtime"

# Again: a device's size is what it holds (64 KiB), never the file's, so
# rsync writes it again each time ('s'); -c reads the device.  (-rli
# leaves a written node the time of the write: not compared.)
for opts in "-ai" "-aic" "-rli"; do
	# shellcheck disable=SC2086
	run_both_again $opts --write-devices -- "$SRC/" "$DST"
	assert_same_output
	case $opts in -rli) SNAPF=--no-mtime-specials ;; esac
	same_devices "$opts again"
done
SNAPF=
expect_line rsync '>f.sT...... blk'

# A device smaller than the file: the write fails with ENOSPC, exit 11
# (rsync: "write failed"), the device holds the file's first bytes.  rsync
# prints the file's -i line before it writes; treesync prints a file's
# line once it is written (README: a full destination stops the run), so
# the lines are not compared here.
mkdata "$SRC/blk" 100000
run_both_again -ai --write-devices -- "$SRC/blk" "$DST/blk"
[ "$RS_RC" = 11 ] && [ "$TS_RC" = 11 ] ||
	fail "smaller device: exit rsync $RS_RC, treesync $TS_RC (11 expected)"
[ -s "$T/treesync.err" ] || fail "smaller device: treesync said nothing"
cmp -s "$LOOP_RS" "$LOOP_TS" || fail "smaller device: the devices differ"
cmp -s -n 65536 "$LOOP_TS" "$SRC/blk" ||
	fail "smaller device: it does not hold the file's first bytes"
# A character device that takes nothing (/dev/full): the same.
mknod "$RS_DST/full" c 1 7
mknod "$TS_DST/full" c 1 7
run_both_again -ai --write-devices -- "$SRC/f" "$DST/full"
[ "$RS_RC" = 11 ] && [ "$TS_RC" = 11 ] ||
	fail "/dev/full: exit rsync $RS_RC, treesync $TS_RC (11 expected)"
pass
