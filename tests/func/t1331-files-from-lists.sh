#!/bin/bash
# Issue 10, item 4: --files-from with ordinary lists, as rsync reads them:
# find(1)'s output ("." and "./a/b" lines: listed directories lead to
# listed paths below them), the "/./" marker (the part before it is not in
# the destination path), '#' and ';' comment lines, "dir/" (its entries
# too, one level), a name with leading spaces that does not exist.
. "$(dirname "$0")/lib.sh"
describe "--files-from: find(1) output, the /./ marker, comment lines, 'dir/' one level, like rsync"

B=$T/base
mkdir -p "$B/from/dir/subdir/subsubdir" "$B/from/dir/subdir/subsubdir2/deeper" "$B/other" "$B/a/b"
printf '1\n' >"$B/from/dir/subdir/subsubdir/s1"
printf '2\n' >"$B/from/dir/subdir/subsubdir2/s2"
printf '3\n' >"$B/from/dir/subdir/subsubdir2/deeper/s3"
printf 'f\n' >"$B/from/dir/subdir/foobar.baz"
printf 't\n' >"$B/from/dir/text"
printf 'o\n' >"$B/other/o"
printf 'x\n' >"$B/a/b/x"
printf 'top\n' >"$B/top"
stamp "$B" 1500000000

# 1. find . > list: every directory and file listed, "./" prefixed.
(cd "$B" && find . | LC_ALL=C sort) >"$T/find.list"
run_both -ai --files-from="$T/find.list" -- "$B" "$DST/"
expect_line rsync '>f+++++++++ from/dir/subdir/subsubdir2/deeper/s3'
assert_same_result --no-mtime-root

# 2. The rsync test suite's list: "/./" markers, a "dir/" line, comments.
printf '%s\n' 'from/./' 'from/./dir/subdir' 'from/./dir/subdir/subsubdir' \
    'from/./dir/subdir/subsubdir2/' 'from/./dir/subdir/foobar.baz' \
    '# a comment' ';another' 'other/./o' >"$T/marker.list"
run_both -ai --files-from="$T/marker.list" -- "$B" "$DST/"
expect_line rsync '>f+++++++++ dir/subdir/subsubdir2/s2'
expect_line rsync '>f+++++++++ o'
assert_same_result --no-mtime-root
run_both -ai --delete --files-from="$T/marker.list" -- "$B" "$DST/"
assert_same_result --no-mtime-root

# 3. "." and "dir/" name contents one level; a missing name exits 23.
for l in '.' './' 'from/' 'a/'; do
	printf '%s\n' "$l" >"$T/one.list"
	run_both -ai --files-from="$T/one.list" -- "$B" "$DST/"
	assert_same_result --no-mtime-root
done
printf '%s\n' 'from/dir/subdir/foobar.baz' '  spaced' >"$T/sp.list"
run_both -ai --files-from="$T/sp.list" -- "$B" "$DST/"
assert_rc rsync 23
assert_same_result --no-mtime-root
pass
