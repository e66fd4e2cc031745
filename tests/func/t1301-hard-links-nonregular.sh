#!/bin/bash
# Issue 10, item 13: -H keeps hard links of symlinks, FIFOs and (as root)
# devices, as rsync does (hL / hS / hD lines), not separate inodes.
. "$(dirname "$0")/lib.sh"
describe "-H links hard-linked symlinks, FIFOs and devices (hL/hS/hD) like rsync; a second run changes nothing"

mkdir -p "$SRC/a" "$SRC/b"
ln -s target "$SRC/a/l1"; ln "$SRC/a/l1" "$SRC/a/l2"; ln "$SRC/a/l1" "$SRC/b/l3"
mkfifo "$SRC/a/f1"; ln "$SRC/a/f1" "$SRC/b/f2"
printf 'r\n' >"$SRC/a/r1"; ln "$SRC/a/r1" "$SRC/b/r2"
if [ "$(id -u)" = 0 ]; then
	mknod "$SRC/a/c1" c 1 3; ln "$SRC/a/c1" "$SRC/b/c2"
fi
stamp "$SRC" 1500000000

# Inode groups of a tree: one line per group of more than one member.
groups() {
	(cd "$1" && find . ! -type d -printf '%i %p\n' | sort -k2 |
		awk '{g[$1] = g[$1] " " $2; n[$1]++} END {for (i in g) if (n[i] > 1) print g[i]}' | sort)
}
# Which link of a group is made first follows the walk order (README:
# deliberate differences), so the lines are compared with the "=> master"
# part and the first letter of new masters left out.
lines() { grep -v '^created directory' "$T/$1.out" | sed -E 's/ (=>|->) .*//; s/^[hc]([LSDf])/x\1/; s/^>f/xf/' | LC_ALL=C sort; }

run_both -aHi -- "$SRC/" "$DST/"
expect_line rsync 'hL+++++++++ a/l2 => a/l1'
expect_line rsync 'hS+++++++++ b/f2 => a/f1'
assert_same_tree "$RS_DST" "$TS_DST"
[ "$(groups "$RS_DST")" = "$(groups "$TS_DST")" ] ||
	fail "inode groups differ: rsync: $(groups "$RS_DST") treesync: $(groups "$TS_DST")"
[ "$(groups "$TS_DST" | wc -l)" -ge 3 ] || fail "scenario check: fewer than 3 link groups"
for t in L S f; do
	[ "$(grep -c "^h$t" "$T/rsync.out")" = "$(grep -c "^h$t" "$T/treesync.out")" ] ||
		fail "number of h$t lines differs"
done
[ "$(lines rsync)" = "$(lines treesync)" ] || fail "item lines differ: $(diff <(lines rsync) <(lines treesync) | tr '\n' ' ')"
run_both_again -aHi -- "$SRC/" "$DST/"
expect_no_output rsync
assert_same_result
# Without -H they stay separate.
rm -rf "$DST"
run_both -ai -- "$SRC/" "$DST/"
assert_same_result
pass
