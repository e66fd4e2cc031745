#!/bin/bash
# --drop-D: devices and specials are skipped ("skipping non-regular file")
# whatever -D, --devices or --specials ask, in any order on the line;
# nodes already in the destination are left alone; --no-drop-D undoes it.
. "$(dirname "$0")/lib.sh"
describe "--drop-D skips devices, FIFOs and sockets despite -D, leaves existing nodes, --no-drop-D undoes it"

mkdir -p "$SRC/sub"
mkfifo "$SRC/fifo" "$SRC/sub/fifo2"
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SRC/sock" ||
    fail "harness: cannot create socket"
have_dev=0
if [ "$(id -u)" = 0 ] && mknod "$SRC/chr" c 1 3 2>/dev/null; then have_dev=1; fi
printf 'f\n' >"$SRC/file"
stamp "$SRC"

for opts in "-aDi --drop-D" "-ai --drop-D --specials --devices" "-rlptiv --drop-D -D" "-aDi --drop-D -x"; do
    read -r -a o <<<"$opts"
    run_both "${o[@]}" -- "$SRC/" "$DST"
    expect_line rsync 'skipping non-regular file "fifo"'
    expect_line rsync 'skipping non-regular file "sub/fifo2"'
    [ $have_dev = 0 ] || expect_line rsync 'skipping non-regular file "chr"'
    assert_same_result
done

# --no-drop-D: -D again.
run_both -aDi --drop-D --no-drop-D -- "$SRC/" "$DST"
expect_line rsync 'cS+++++++++ fifo'
assert_same_result

# Nodes already in DEST are left alone; an extraneous one still goes with
# --delete.
mkdir -p "$DST/sub"
mkfifo "$DST/fifo" "$DST/extra"
run_both -aDi --drop-D --delete -- "$SRC/" "$DST"
expect_line rsync '*deleting   extra'
assert_same_result
pass
