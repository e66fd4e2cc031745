#!/bin/bash
# -v lines: names (dirs with /), "link -> target", "deleting X", the
# "skipping ..." messages; header/trailer/"created directory" filtered.
. "$(dirname "$0")/lib.sh"
describe "-v output (sorted, filtered) equals rsync's: initial copy, --delete with changes, no-op, dry run"

make_mixed_tree "$SRC"
run_both -av -- "$SRC/" "$DST"
expect_line rsync './'
expect_line rsync 'abs_link -> /etc/hostname'
assert_same_result

copy_tree "$SRC" "$DST"
printf 'changed\n' >"$DST/a/top.txt"
chmod 0600 "$DST/one_byte"               # attribute-only: no -v line
touch -d @1400000000 "$DST/a/b"          # dir time only: no -v line
mkdir -p "$DST/extra/deep"; printf 'x\n' >"$DST/extra/deep/x"
rm -f "$DST/rel_link"
run_both -av --delete -- "$SRC/" "$DST"
expect_line rsync 'deleting extra/deep/x'
expect_line rsync 'a/top.txt'
assert_same_result

run_both_again -av --delete -- "$SRC/" "$DST"
assert_same_result
expect_no_output treesync

run_both -avn --delete -- "$SRC/" "$DST"
assert_same_result

# -rv: skipping messages for symlinks and the fifo.
run_both -rv -- "$SRC/" "$DST"
assert_same_result --no-mtime
pass
