#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--fake-super: owners, set-id bits, devices, FIFOs, sockets and symlinks kept in rsync's user.rsync.%stat xattr (other namespaces as user.rsync.NAME, -A's ACLs as %aacl/%dacl) exactly as rsync keeps them; each tool reads the other's back (also -M--fake-super, --fake-super -M--super, --link-dest)"
need_treesync
need_root
command -v setfattr >/dev/null || skip "needs setfattr (attr package)"

mkdir -p "$SRC/d" "$SRC/ro"
echo a >"$SRC/f"; echo b >"$SRC/d/g"; echo c >"$SRC/plain"
setfattr -n user.color -v blue "$SRC/f" || skip "the temp file system has no user xattrs"
setfattr -n trusted.level -v 3 "$SRC/f"
chown 5000:5001 "$SRC/f" "$SRC/d/g"; chown 7:8 "$SRC/ro"
chmod 4755 "$SRC/f"; chmod 2640 "$SRC/d/g"; chmod 500 "$SRC/ro"
ln -s f "$SRC/l"; ln -s /nowhere/at/all "$SRC/d/abs"
mknod "$SRC/cdev" c 1 3; mknod "$SRC/bdev" b 8 1; mkfifo "$SRC/fifo"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SRC/sock"
stamp "$SRC"

# A fake-super copy: placeholders and %stat values as rsync makes them.
run_both -aiX --fake-super -- "$SRC/" "$DST"
assert_same_result
same_attrs "-aX --fake-super"
attrs "$TS_DST" | grep -q 'user.rsync.%stat="20644 1,3 0:0"' ||
	fail "no %stat for the character device"
[ -f "$TS_DST/cdev" ] && [ ! -L "$TS_DST/l" ] || fail "placeholders are not plain files"
[ "$(cat "$TS_DST/l")" = f ] || fail "a symlink's placeholder does not hold its target"
run_both_again -aiX --fake-super -- "$SRC/" "$DST"
assert_same_result
expect_no_output treesync

# A change of owner and mode is an update of the xattr.
chown 5002 "$SRC/f"; chmod 4750 "$SRC/f"; touch -d @1500000000 "$SRC/f"
run_both_again -aiX --fake-super -- "$SRC/" "$DST"
assert_same_result
same_attrs "owner and mode changed"

# Each reads the other's: treesync's fake tree as rsync's source and the
# other way round, into fake trees and (-M--super) back into real ones.
rm -rf "$T/fake.rs" "$T/fake.ts"; cp -a "$RS_DST" "$T/fake.rs"; cp -a "$TS_DST" "$T/fake.ts"
for from in fake.rs fake.ts; do
	rm -rf "$DST"
	run_both -aiX --fake-super -- "$T/$from/" "$DST"
	assert_same_result
	same_attrs "from $from"
	run_both -aiX --fake-super -M--super -- "$T/$from/" "$DST"
	assert_same_result
	same_attrs "from $from, back to real metadata"
	[ -c "$TS_DST/cdev" ] && [ -L "$TS_DST/l" ] && [ -S "$TS_DST/sock" ] ||
		fail "from $from: the special files did not come back"
	[ "$(stat -c %u:%a "$TS_DST/f")" = 5002:4750 ] || fail "from $from: owner or mode lost"
done
# rsync finds nothing to do on treesync's fake tree, and treesync on rsync's.
rm -rf "$T/again"; cp -a "$T/fake.ts" "$T/again"
run_rs -aiX --fake-super -- "$SRC/" "$T/again"
[ "$RS_RC" = 0 ] && [ ! -s "$T/rsync.out" ] || fail "rsync would change treesync's fake tree: $(cat "$T/rsync.out")"
rm -rf "$T/again"; cp -a "$T/fake.rs" "$T/again"
run_ts -aiX --fake-super -- "$SRC/" "$T/again"
[ "$TS_RC" = 0 ] && [ ! -s "$T/treesync.out" ] || fail "treesync would change rsync's fake tree: $(cat "$T/treesync.out")"

# Only the receiving side fakes (-M--fake-super); --link-dest to a fake tree.
rm -rf "$DST"
run_both -aiX -M--fake-super -- "$SRC/" "$DST"
assert_same_result
same_attrs "-M--fake-super"
run_both -aiiX --fake-super --link-dest="$T/fake.rs" -- "$SRC/" "$DST"
assert_same_result
same_attrs "--link-dest to a fake tree"
# -A: ACLs as rsync's user.rsync.%aacl and %dacl (byte for byte), read
# back by both, removed with the source's default ACL, restored as real.
if command -v setfacl >/dev/null && setfacl -m u:1234:rwx,g:5678:r "$SRC/plain"; then
	setfacl -d -m u:1234:rx "$SRC/d"
	touch -d @1500000000 "$SRC/plain" "$SRC/d"
	hexattrs() { (cd "$1" && getfattr -Rhd -e hex -m- --absolute-names . 2>/dev/null | grep -v '^$' | sort); }
	for args in "-raiA -M--fake-super" "-raiAX -M--fake-super"; do
		rm -rf "$DST"
		# shellcheck disable=SC2086
		run_both $args -- "$SRC/" "$DST"
		assert_same_result
		[ "$(hexattrs "$RS_DST")" = "$(hexattrs "$TS_DST")" ] ||
			fail "$args: %aacl/%dacl differ: $(diff <(hexattrs "$RS_DST") <(hexattrs "$TS_DST"))"
		# shellcheck disable=SC2086
		run_both_again $args -- "$SRC/" "$DST"
		assert_same_result
		expect_no_output treesync
	done
	hexattrs "$TS_DST" | grep -q 'user.rsync.%aacl=' || fail "no %aacl written"
	rm -rf "$T/acl.rs" "$T/acl.ts"; cp -a "$RS_DST" "$T/acl.rs"; cp -a "$TS_DST" "$T/acl.ts"
	for from in acl.rs acl.ts; do
		rm -rf "$DST"
		run_both -aiAX --fake-super -- "$T/$from/" "$DST"
		assert_same_result
		[ "$(hexattrs "$RS_DST")" = "$(hexattrs "$TS_DST")" ] || fail "from $from: ACL xattrs differ"
		run_both -aiAX --fake-super -M--super -- "$T/$from/" "$DST"
		assert_same_result
		[ "$(getfacl -Rsnp "$TS_DST" 2>/dev/null | sed "s|$TS_DST||")" = "$(getfacl -Rsnp "$SRC" 2>/dev/null | sed "s|$SRC||")" ] ||
			fail "from $from: the ACLs did not come back"
	done
	setfacl -k "$SRC/d"; touch -d @1500000000 "$SRC/d"
	rm -rf "$DST"; cp -a "$T/acl.ts" "$DST"
	run_both -raiA -M--fake-super -- "$SRC/" "$DST"
	assert_same_result
	hexattrs "$TS_DST" | grep -q '%dacl' && fail "%dacl not removed with the default ACL"
fi
pass
