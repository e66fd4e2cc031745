#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--super/--no-super (also through -M): as root, --no-super keeps no owner, skips devices, copies user.* xattrs only, and deletes from read-only dirs, like rsync"
need_treesync
need_root
command -v setfattr >/dev/null || skip "needs setfattr (attr package)"

mkdir -p "$SRC/d" "$SRC/ro"
echo a >"$SRC/f"; echo b >"$SRC/d/g"; echo c >"$SRC/ro/h"
chown 5000:5001 "$SRC/f" "$SRC/d/g"
mknod "$SRC/cdev" c 1 3; mkfifo "$SRC/fifo"
setfattr -n user.color -v blue "$SRC/f" || skip "the temp file system has no user xattrs"
setfattr -n trusted.level -v 3 "$SRC/f"
chmod 555 "$SRC/ro"
touch -d @1500000000 "$SRC/f" "$SRC/d/g" "$SRC/ro/h" "$SRC/cdev" "$SRC/fifo" "$SRC/d" "$SRC/ro" "$SRC"

attrs() {	# every xattr of a tree, one canonical listing
	(cd "$1" && getfattr -Rhdm- --absolute-names . 2>/dev/null | grep -v '^$' | sort)
}

for args in "-aX --no-super" "-aX --super" "-aX --no-super --super" \
	"-aX --super --no-super" "-aX -M--no-super"; do
	rm -rf "$DST"
	# shellcheck disable=SC2086
	run_both $args -i -- "$SRC/" "$DST"
	assert_same_result
	[ "$(attrs "$RS_DST")" = "$(attrs "$TS_DST")" ] ||
		fail "$args: xattrs differ: $(diff <(attrs "$RS_DST") <(attrs "$TS_DST"))"
done
# The last run was --no-super (through -M): no owner, no device, no
# trusted.* xattr.
[ "$(stat -c %u "$TS_DST/f")" = 0 ] || fail "-M--no-super: owner kept"
[ -e "$TS_DST/cdev" ] && fail "-M--no-super: device made"
attrs "$TS_DST" | grep -q trusted. && fail "-M--no-super: trusted.* copied"
attrs "$TS_DST" | grep -q user.color || fail "-M--no-super: user.* not copied"

# Deletion inside a read-only directory owned by us: as a plain user
# rsync adds u+w for the time it works there.
mkdir -p "$DST"; rm -rf "$DST"; cp -a "$SRC" "$DST"
chmod 755 "$DST/ro"; echo x >"$DST/ro/extra"; chmod 444 "$DST/ro/extra"; chmod 555 "$DST/ro"
run_both -a --no-super --delete -i -- "$SRC/" "$DST"
assert_same_result
[ -e "$TS_DST/ro/extra" ] && fail "--no-super --delete: read-only entry left"
pass
