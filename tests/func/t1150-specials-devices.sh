#!/bin/bash
# Devices and specials (root): -a copies char/block devices, fifos and
# sockets; --specials/--devices/-D/--no-D select them.
. "$(dirname "$0")/lib.sh"
describe "(root) char/block devices, fifo, socket with -a, --devices, --specials, -D, --no-D, and a device whose rdev changed"
need_root

mkdir -p "$SRC"
mknod "$SRC/chr" c 1 3 2>/dev/null || skip "mknod not permitted"
mknod "$SRC/blk" b 7 250 || fail "harness: mknod b"
mkfifo "$SRC/fifo"
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SRC/sock" ||
    fail "harness: cannot create socket"
chmod 0600 "$SRC/chr"
printf 'f\n' >"$SRC/file"
stamp "$SRC"

run_both -ai -- "$SRC/" "$DST"
expect_line rsync 'cD+++++++++ chr'
expect_line rsync 'cS+++++++++ sock'
assert_same_result
assert_same_tree "$SRC" "$TS_DST"

for opts in "-rlpti --specials" "-rlpti --devices" "-rlpti -D" "-ai --no-D" "-ai --no-devices" "-ai --no-specials"; do
    read -r -a o <<<"$opts"
    run_both "${o[@]}" -- "$SRC/" "$DST"
    assert_same_result
done

# A stale device with another rdev, and a fifo where a device should be.
mkdir -p "$DST"
mknod "$DST/chr" c 1 5
mkfifo "$DST/blk"
run_both -ai -- "$SRC/" "$DST"
assert_same_result
pass
