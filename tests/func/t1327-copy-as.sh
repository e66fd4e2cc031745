#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--copy-as=USER[:GROUP] like rsync (root): reading the source and writing DEST are USER's (DEST it cannot write: exit 11; a subdirectory it cannot write and a source file it cannot read: exit 23), files are USER's, -o/-g as USER would; numeric ids, USER:GROUP; unknown user or group: exit 1, nothing made; same tree, -i lines, exit codes"
need_func
need_root "--copy-as needs root"
getent passwd nobody >/dev/null || skip "no user nobody"
chmod 755 "$T"

mkdir -p "$SRC/d/deep" "$SRC/rootdir"
printf 'a\n' >"$SRC/a"
printf 'b\n' >"$SRC/d/b"
printf 'c\n' >"$SRC/d/deep/c"
printf 'r\n' >"$SRC/rootdir/r"
printf 'owned\n' >"$SRC/owned" && chown 1234:4321 "$SRC/owned"
ln -s a "$SRC/link"
chmod 0755 "$SRC" "$SRC/d" "$SRC/d/deep" "$SRC/rootdir"
stamp "$SRC"

# DEST is nobody's, but rootdir in it is root's (nobody cannot write
# there); an old root-owned file nobody cannot write is replaced (its
# directory is nobody's).
mkdir -p "$DST/rootdir" "$DST/d"
printf 'old\n' >"$DST/d/b"
chmod 0644 "$DST/d/b"
touch -d @1400000000 "$DST/d/b"
chown nobody "$DST" "$DST/d"
stamp "$DST/rootdir" 1300000000

# Both itemize rootdir/r before its write fails (whatever the identity).
run_copy_as() {
	run_both "$@"
	grep -qx '>f+++++++++ rootdir/r' "$T/rsync.out" ||
		fail "$*: scenario: rsync did not try rootdir/r"
}

for opts in "-ai --copy-as=nobody" "-ai --copy-as=nobody:nogroup" \
    "-ai --copy-as=65534" "-ai --copy-as=65534:0" "-aiH --copy-as=nobody --numeric-ids"; do
	# shellcheck disable=SC2086
	run_copy_as $opts -- "$SRC/" "$DST/"
	assert_same_result
	[ "$TS_RC" = 23 ] || fail "$opts: scenario: exit $TS_RC, not 23 (rootdir/r unwritable)"
	[ "$(stat -c %U "$TS_DST/a")" = nobody ] || fail "$opts: a is not nobody's"
	[ -e "$TS_DST/rootdir/r" ] && fail "$opts: written where nobody cannot write"
done
# The identity reads the source too: a file only root can read fails.
printf 'secret\n' >"$SRC/secret" && chmod 0600 "$SRC/secret"
# (SRC's time not in this second: rsync leaves a directory's time that
# agrees to the second, README "Times are exact".)
touch -d @1500000000 "$SRC"
run_copy_as -ai --copy-as=nobody -- "$SRC/" "$DST/"
assert_same_result
grep -q "secret.*Permission denied" "$T/treesync.err" ||
	fail "secret: no 'Permission denied' said"
[ -e "$TS_DST/secret" ] && fail "a file nobody cannot read was copied"
rm -f "$SRC/secret"
# A new DEST in a directory nobody cannot write: exit 11, nothing made.
run_both -ai --copy-as=nobody -- "$SRC/" "$DST/rootdir/new/"
assert_same_result
[ "$TS_RC" = 11 ] || fail "a new DEST nobody cannot make: exit $TS_RC, not 11"
[ -e "$TS_DST/rootdir/new" ] && fail "DEST made where nobody cannot write"
# Unknown names: exit 1, DEST untouched.
for spec in nosuchuser-ts nobody:nosuchgroup-ts ""; do
	run_both -ai --copy-as="$spec" -- "$SRC/" "$DST/"
	assert_same_result
	[ "$TS_RC" = 1 ] || fail "--copy-as=$spec: exit $TS_RC, not 1"
done
# Not root: the identity cannot be taken (setgid, or setgroups for the
# same user), exit 1 with rsync's message, nothing made.
if command -v setpriv >/dev/null; then
	mkdir -p "$T/nb" && chmod 0777 "$T/nb"
	for spec in root nobody; do
		for tool in rsync treesync; do
			bin=$RSYNC
			[ $tool = treesync ] && bin=$TREESYNC
			setpriv --reuid=65534 --regid=65534 --clear-groups \
				"$bin" -a --copy-as=$spec "$SRC/" "$T/nb/$tool-$spec/" \
				>"$T/nb.out" 2>"$T/nb.$tool.err"
			echo $? >"$T/nb.$tool.rc"
		done
		[ "$(cat "$T/nb.rsync.rc")" = 1 ] || fail "scenario: rsync as nobody, --copy-as=$spec: exit $(cat "$T/nb.rsync.rc")"
		[ "$(cat "$T/nb.treesync.rc")" = 1 ] ||
			fail "not root, --copy-as=$spec: exit $(cat "$T/nb.treesync.rc"), rsync 1"
		w=$(grep -o 'set[a-z]* failed' "$T/nb.rsync.err" | head -1)
		grep -q "$w: Operation not permitted" "$T/nb.treesync.err" ||
			fail "not root, --copy-as=$spec: not '$w' as rsync: $(cat "$T/nb.treesync.err")"
		[ -e "$T/nb/treesync-$spec" ] && fail "not root, --copy-as=$spec: DEST made"
	done
fi
pass
