#!/bin/bash
# -b --delete --filter='R *~' beyond regular files.  A symlink (and, as
# root, a device) that the run replaces gets its backup l~ over an old
# backup listed as extraneous: the real run keeps it and -n says what the
# real run does (before, -n noted only regular files' backups and printed
# '*deleting   l~').  Inside an extraneous directory, sub/x is backed up
# to sub/x~ over the old sub/x~ listed after it: that name then holds x's
# only copy, which stays, and so does sub ("cannot delete non-empty
# directory"), rsync's tree (before, the old backup's removal took it and
# sub went too).  rsync deletes the old backups before it makes the new
# ones: it prints one more '*deleting' line for each (README).
. "$(dirname "$0")/lib.sh"
describe "-b --delete 'R *~': a symlink's or device's backup kept (-n says so too), x's backup inside an extraneous directory kept, as rsync's tree"

mkdir -p "$SRC" "$DST/sub"
ln -s new "$SRC/l"
ln -s old "$DST/l"
ln -s oldbak "$DST/l~"
echo x >"$DST/sub/x"
echo oldx >"$DST/sub/x~"
dev=
if mknod "$SRC/dev" c 1 5 2>/dev/null && mknod "$DST/dev" c 1 3 &&
    mknod "$DST/dev~" c 1 7; then
    dev=1
fi
echo k >"$SRC/k"
stamp "$SRC"
stamp "$DST" 1400000000

run_both -ai -b --delete --filter='R *~' -- "$SRC/" "$DST/"
assert_rc treesync 0
assert_rc rsync 0
expect_line rsync '*deleting   l~'
expect_line rsync '*deleting   sub/x~'
# sub's mtime is the time of the run (the deletions in it), in both.
assert_same_tree "$RS_DST" "$TS_DST" --no-mtime-dirs
[ "$(readlink "$TS_DST/l~")" = old ] || fail "l~ is not the backup of l"
[ "$(cat "$TS_DST/sub/x~")" = x ] || fail "sub/x~ does not hold x"
if [ -n "$dev" ]; then
    [ "$(stat -c %t,%T "$TS_DST/dev~")" = 1,3 ] || fail "dev~ is not the backup of dev"
fi
filtered_out treesync >"$T/real.lines"
grep -qxF 'cannot delete non-empty directory: sub' "$T/real.lines" ||
    fail "no 'cannot delete non-empty directory: sub': $(cat "$T/real.lines")"
grep -qF 'l~' "$T/real.lines" && fail "a line about l~: $(cat "$T/real.lines")"

# -n: what the real run does at the top (inside sub a dry run cannot
# know that x's backup would take sub/x~'s name).
_reset_outputs
run_ts -ain -b --delete --filter='R *~' -- "$SRC/" "$DST/"
assert_rc treesync 0
filtered_out treesync | grep -v 'sub' >"$T/n.lines"
grep -v 'sub' "$T/real.lines" | diff -u - "$T/n.lines" >"$T/n.diff" ||
    fail "-n: not the real run's lines: $(cat "$T/n.diff")"
pass
