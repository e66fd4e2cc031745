#!/bin/bash
. "$(dirname "$0")/lib.sh"
# The DEST root is never a copy of a source dir here: its mtime is not compared.
describe "single-file SRC: to a new name, into an existing dir (with/without slash), over an existing file, into a new dir (DEST/)"

mkdir -p "$SRC"
printf 'the file\n' >"$SRC/file"
chmod 0640 "$SRC/file"
touch -d @1500000000 "$SRC/file"

# To a new name in an existing dir.
mkdir -p "$DST"
run_both -ai -- "$SRC/file" "$DST/newname"
expect_line rsync '>f+++++++++ file'
assert_same_result --no-mtime-root

# Into an existing directory, with and without the trailing slash.
run_both -ai -- "$SRC/file" "$DST"
assert_same_result --no-mtime-root
run_both -ai -- "$SRC/file" "$DST/"
assert_same_result --no-mtime-root

# Over an existing, different file.
printf 'old content, longer\n' >"$DST/target"
run_both -ai -- "$SRC/file" "$DST/target"
expect_line rsync '>f.stp..... file'
assert_same_result --no-mtime-root

# DEST ending in / that does not exist: created as a directory.
# (newdir has no source counterpart: its mtime is "now" in each copy.)
run_both -ai -- "$SRC/file" "$DST/newdir/"
expect_line rsync '>f+++++++++ file'
assert_same_result --no-mtime-dirs

# DEST itself does not exist and has no slash: it becomes the file.
rm -rf "$DST"
run_both -ai -- "$SRC/file" "$DST"
assert_same_result --no-mtime-root
pass
