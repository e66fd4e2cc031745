#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "(root) --copy-devices like rsync: a block device (a loop device's node) becomes a regular file of what it holds, /dev/null and /dev/zero nodes empty files, with -a, -rl, -c, --inplace, over an older copy and again in sync; same tree, -i lines and exit code"
need_root "--copy-devices reads device nodes: needs root (mknod, losetup)"
command -v losetup >/dev/null || skip "no losetup (util-linux)"

mkdata "$T/img" 262144
LOOP=$(losetup -f --show "$T/img" 2>/dev/null) || skip "cannot set up a loop device"
at_exit losetup -d "$LOOP"
mkdir -p "$SRC/sub"
mknod "$SRC/blk" b "$((0x$(stat -c %t "$LOOP")))" "$((0x$(stat -c %T "$LOOP")))"
mknod "$SRC/sub/null" c 1 3
mknod "$SRC/sub/zero" c 1 5
chmod 0640 "$SRC/blk"
printf 'plain\n' >"$SRC/f"
stamp "$SRC"

# README: a copied device's file gets the node's mtime, which -t asks for;
# rsync 3.5.0 gives it another (the time of the copy, with the node's
# nanoseconds), and on a later run, when the second has changed, says
# 't' for it (copying it again: '>f..t......').  The trees are compared
# without mtimes and treesync's are checked against the nodes'; in
# rsync's lines for the three device names a line that is only that 't'
# goes, and the 't' is taken out of the others.
rsync_dev_times() {
	sed -i -E -e '/^[.>]f\.\.t\.{6} (blk|sub\/null|sub\/zero)$/d' \
		-e 's/^([.>]f..)t(.* (blk|sub\/null|sub\/zero))$/\1.\2/' \
		"$T/rsync.out"
}

for opts in "-ai --copy-devices" "-rli --copy-devices" \
    "-ai --copy-devices --inplace"; do
	# shellcheck disable=SC2086
	run_both $opts -- "$SRC/" "$DST"
	snapf=(--no-mtime)
	assert_same_result "${snapf[@]}"
	expect_line rsync '>f+++++++++ blk'
	cmp -s "$TS_DST/blk" "$T/img" || fail "$opts: blk is not the device's contents"
	case $opts in
	-a*) [ "$(stat -c %y "$TS_DST/blk")" = "$(stat -c %y "$SRC/blk")" ] ||
		fail "$opts: blk has not the node's mtime" ;;
	esac
	[ -f "$TS_DST/sub/zero" ] && [ ! -s "$TS_DST/sub/zero" ] ||
		fail "$opts: zero is not an empty file"
	# Again, in sync: nothing to do (and -c reads the device again).
	# (Without -t every file differs in time, and rsync leaves its
	# copied devices alone.)
	case $opts in -rli*) continue ;; esac
	# shellcheck disable=SC2086
	run_both_again $opts -- "$SRC/" "$DST"
	rsync_dev_times
	assert_same_result "${snapf[@]}"
	# shellcheck disable=SC2086
	run_both_again $opts -c -- "$SRC/" "$DST"
	rsync_dev_times
	assert_same_result "${snapf[@]}"
done

# Over an older, shorter copy with another time: rewritten.
mkdir -p "$DST"
printf 'old\n' >"$DST/blk"
touch -d @1400000000 "$DST/blk"
run_both -ai --copy-devices -- "$SRC/" "$DST"
assert_same_result --no-mtime
expect_line rsync '>f.stp..... blk'
# -c over a copy with the same size and time but other bytes.
head -c 262144 /dev/zero >"$DST/blk"
touch -r "$SRC/blk" "$DST/blk"
run_both -aic --copy-devices -- "$SRC/" "$DST"
rsync_dev_times
assert_same_result --no-mtime
expect_line rsync '>fc..p..... blk'
cmp -s "$TS_DST/blk" "$T/img" || fail "-c: blk is not the device's contents"
rm -rf "$DST"

# Without it, -D copies the nodes as nodes (the option changes that).
run_both -ai -- "$SRC/" "$DST"
assert_same_result
expect_line rsync 'cD+++++++++ blk'
pass
