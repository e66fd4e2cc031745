#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-H: hard-link groups (same dir, across dirs, 3+ links) stay one inode like rsync; -j 1/2/16 identical; existing links reused; broken links repaired"
need_treesync

mkdir -p "$SRC/a/deep" "$SRC/b"
for i in 1 2 3 4 5; do
	echo "group $i" >"$SRC/a/g$i"
	ln "$SRC/a/g$i" "$SRC/b/g$i"
done
ln "$SRC/a/g1" "$SRC/a/deep/g1-third"
ln "$SRC/a/g1" "$SRC/top-g1"
echo single >"$SRC/single"
"$PYTHON" "$FUNC_DIR/stamp.py" "$SRC" >/dev/null 2>&1 || true

# inode groups of a tree: one line per group, the sorted member paths.
groups() {
	(cd "$1" && find . -type f -printf '%i %p\n' | sort -k2 |
		awk '{g[$1] = g[$1] " " $2} END {for (i in g) print g[i]}' | sort)
}

run_both -aiH -- "$SRC/" "$DST"
assert_same_tree "$RS_DST" "$TS_DST"
[ "$(groups "$RS_DST")" = "$(groups "$TS_DST")" ] ||
	fail "inode groups differ: rsync: $(groups "$RS_DST") treesync: $(groups "$TS_DST")"
[ "$(grep -c '^hf' "$T/rsync.out")" = "$(grep -c '^hf' "$T/treesync.out")" ] ||
	fail "number of hf lines differs"
ts_is_rsync || grep -q '^hf+++++++++ .* => ' "$T/treesync.out" || fail "no 'hf+++++++++ X => Y' line"

# A second run: links are reused, nothing printed.
run_both_again -aiH -- "$SRC/" "$DST"
expect_no_output treesync

# A destination link broken by hand is repaired as a link, quietly shaped.
for d in "$RS_DST" "$TS_DST"; do
	rm "$d/b/g2"; cp -p "$d/a/g2" "$d/b/g2"
done
"$RSYNC" -aiH "$SRC/" "$RS_DST/" >"$T/rs2" 2>&1
"$TREESYNC" -aiH "$SRC/" "$TS_DST/" >"$T/ts2" 2>&1 || fail "repair run failed: $(cat "$T/ts2")"
[ "$(groups "$RS_DST")" = "$(groups "$TS_DST")" ] || fail "repair: inode groups differ"
grep -q '^hf          b/g2 => \|^hf          a/g2 => ' "$T/ts2" || fail "repair line not rsync-shaped: $(cat "$T/ts2")"

# The worker count never changes the result.
if ! ts_is_rsync; then
	for j in 1 2 16; do
		rm -rf "$T/j$j"
		"$TREESYNC" -aH -j $j "$SRC/" "$T/j$j/" >/dev/null 2>&1 || fail "-j $j failed"
		[ "$(groups "$T/j$j")" = "$(groups "$RS_DST")" ] || fail "-j $j: inode groups differ"
	done
fi
pass
