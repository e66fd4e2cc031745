#!/bin/bash
# -x / --one-file-system.  Always: a same-fs run.  As root with mount
# permission: a tmpfs mounted inside SRC; rsync copies the mount point
# directory itself but nothing below it.
. "$(dirname "$0")/lib.sh"
describe "-x on one file system, and (root) a tmpfs mount point inside SRC is not crossed"

make_small_tree "$SRC"
run_both -aix -- "$SRC/" "$DST"
assert_same_result

if [ "$(id -u)" != 0 ]; then
    pass "$DESC (cross-mount part skipped: not root)"
fi
mkdir "$SRC/mnt"
if ! mount -t tmpfs -o size=4m,mode=0751 tsfunc "$SRC/mnt" 2>/dev/null; then
    pass "$DESC (cross-mount part skipped: cannot mount tmpfs)"
fi
add_mount "$SRC/mnt"
mkdir "$SRC/mnt/below"
printf 'on tmpfs\n' >"$SRC/mnt/file"
printf 'on tmpfs\n' >"$SRC/mnt/below/file"
touch -d @1500000000 "$SRC/mnt/below" "$SRC/mnt" "$SRC"

run_both -aix -- "$SRC/" "$DST"
expect_line rsync 'cd+++++++++ mnt/'
if filtered_out rsync | grep -q 'mnt/file'; then fail "harness: rsync -x crossed the mount"; fi
assert_same_result

# -x given twice is rsync's "skip mount points entirely"; not part of the
# treesync CLI, so only the single -x is compared.  Without -x the mount is
# crossed:
run_both -ai -- "$SRC/" "$DST"
expect_line rsync '>f+++++++++ mnt/file'
assert_same_result
pass
