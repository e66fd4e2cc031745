#!/bin/bash
# -ai into an existing, empty DEST whose own mode and mtime differ.
. "$(dirname "$0")/lib.sh"
describe "-ai into an existing empty DEST dir (root gets mode/mtime of SRC, itemized as ./)"

make_mixed_tree "$SRC"
mkdir "$DST"
chmod 0750 "$DST"
touch -d @1400000000 "$DST"

run_both -ai -- "$SRC/" "$DST"
expect_line rsync '.d..tp..... ./'
assert_same_result
assert_same_tree "$SRC" "$TS_DST" --no-nlink
pass
