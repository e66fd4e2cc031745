#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-X/-A: user.* and trusted.* xattrs, access and default ACLs created, changed and removed like rsync, with -c too; no xattr syscalls without -X/-A"
need_treesync
need_root
command -v setfattr >/dev/null && command -v setfacl >/dev/null || skip "needs setfattr/setfacl (attr, acl packages)"

mkdir -p "$SRC/d/sub" "$DST"
echo a >"$SRC/f"; echo b >"$SRC/d/g"; echo c >"$SRC/plain"; ln -s f "$SRC/l"
setfattr -n user.color -v blue "$SRC/f" || skip "the temp file system has no user xattrs"
setfattr -n trusted.level -v 3 "$SRC/d/g"
setfattr -n user.dir -v x "$SRC/d"
setfacl -m u:1234:rw "$SRC/f"
setfacl -d -m g:5678:rx "$SRC/d"
touch -h -d @1500000000 "$SRC/l"
touch -d @1500000000 "$SRC/f" "$SRC/d/g" "$SRC/plain" "$SRC/d/sub" "$SRC/d" "$SRC"

attrs() {	# every xattr and ACL of a tree, one canonical listing
	(cd "$1" && getfattr -Rhdm- --absolute-names . 2>/dev/null | grep -v '^$' | sort
	 getfacl -Rsp . 2>/dev/null | grep -v '^$' | sort)
}

run_both -aiXA -- "$SRC/" "$DST"
assert_same_result
[ "$(attrs "$RS_DST")" = "$(attrs "$TS_DST")" ] ||
	fail "attributes differ after the first copy: $(diff <(attrs "$RS_DST") <(attrs "$TS_DST"))"
grep -q 'user.color' <(attrs "$TS_DST") || fail "user xattr not copied"

# Changes and removals on both sides' sources, then a resync.
setfattr -n user.color -v red "$SRC/f"
setfattr -x user.dir "$SRC/d"
setfacl -x u:1234 "$SRC/f"
setfattr -n user.new -v 1 "$SRC/plain"
touch -d @1500000000 "$SRC/f" "$SRC/d" "$SRC/plain"
run_both_again -aiXA -- "$SRC/" "$DST"
assert_same_output
[ "$(attrs "$RS_DST")" = "$(attrs "$TS_DST")" ] ||
	fail "attributes differ after changes: $(diff <(attrs "$RS_DST") <(attrs "$TS_DST"))"
run_both_again -aiXA -- "$SRC/" "$DST"
expect_no_output treesync

# -c: the contents are compared in the file's task, the attributes still
# are (an xattr and an ACL changed, contents and times not).
setfattr -n user.color -v green "$SRC/f"
setfacl -m u:4321:r "$SRC/plain"
touch -d @1500000000 "$SRC/f" "$SRC/plain"
run_both_again -aiXAc -- "$SRC/" "$DST"
assert_same_output
[ "$(attrs "$RS_DST")" = "$(attrs "$TS_DST")" ] ||
	fail "attributes differ after -c: $(diff <(attrs "$RS_DST") <(attrs "$TS_DST"))"
run_both_again -aiXAc -- "$SRC/" "$DST"
expect_no_output treesync

# The fast path pays nothing for -X/-A when they are not asked for.
if ! ts_is_rsync && command -v strace >/dev/null; then
	strace -f -c -o "$T/strace" "$TREESYNC" -a "$SRC/" "$T/plain/" >/dev/null 2>&1
	if grep -Eq 'xattr' "$T/strace"; then
		fail "xattr syscalls without -X/-A: $(grep xattr "$T/strace")"
	fi
fi
pass
