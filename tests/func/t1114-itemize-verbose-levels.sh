#!/bin/bash
# -ii (unchanged items too), -vv ("X is uptodate", the name of an entry
# whose attributes were set, rsync's delta-transfer debug lines), -ivv, and
# the --info=name levels that -v and -vv stand for, with explicit --info
# winning over -v in either order.  The source is named without a trailing
# slash, so every item is an entry of the walk.
. "$(dirname "$0")/lib.sh"
describe "-ii, -vv, -ivv and --info=name0/name2, del0 lines equal rsync's (unchanged, attribute-only, symlink and directory changes, deletions)"

make_mixed_tree "$SRC"
mkdir -p "$DST"
copy_tree "$SRC" "$DST/src"
chmod 0600 "$DST/src/one_byte"              # attributes only
touch -h -d @1400000000 "$DST/src/a/b"      # a directory's time
rm "$DST/src/rel_link"; ln -s elsewhere "$DST/src/rel_link"
touch -h -d "@$(stat -c %Y "$SRC/rel_link")" "$DST/src/rel_link"
mkdir -p "$DST/src/extra"; printf 'x\n' >"$DST/src/extra/x"
touch -d "@$(stat -c %Y "$SRC")" "$DST/src"

check() {   # OPTS...: one comparison
    run_both "$@" -- "$SRC" "$DST/"
    assert_same_result
}

check -a -ii --delete
expect_line rsync '.f          src/a/top.txt'
expect_line rsync '.d          src/odd/'
expect_line rsync 'cLc........ src/rel_link -> a/b/c/deep.txt'
check -a -vv --delete
expect_line rsync 'src/a/top.txt is uptodate'
expect_line rsync 'src/one_byte'
expect_line rsync 'src/fifo is uptodate'
expect_line rsync 'delta-transmission disabled for local transfer or --whole-file'
expect_line rsync 'deleting src/extra/x'
check -a -ivv --delete
expect_line rsync '.f          src/a/top.txt'
check -a --info=name2
expect_line rsync 'src/abs_link is uptodate'
check -a -i --info=name2
expect_line rsync '.S          src/fifo'
check -a -v --info=name0 --delete
expect_line rsync 'deleting src/extra/x'
check -a --info=name0 -v --delete
check -a -v --info=name0,del0 --delete
check -a -vv --info=name1
check -a -v --info=name2,skip2 -u
check -a -ii --info=name0
pass
