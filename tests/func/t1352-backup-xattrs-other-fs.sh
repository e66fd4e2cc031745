#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--backup-dir on another file system (the backup is a copy) carries the kept file's extended attributes like rsync: --fake-super's user.rsync.%stat (owner and mode it stands for), -X's names, -A's ACL; updated and deleted files; same -i lines, exit code, trees and attributes"
need_treesync
need_root
command -v setfattr >/dev/null && command -v setfacl >/dev/null || skip "needs setfattr/setfacl (attr, acl packages)"

mkdir -p "$SRC/d" "$T/base"
printf 'new f\n' >"$SRC/f"; printf 'new g\n' >"$SRC/d/g"
printf 'gone\n' >"$SRC/gone"
chown 1234:5678 "$SRC/f"; chmod 0640 "$SRC/f"
chown 42:43 "$SRC/gone"
stamp "$SRC" 1500000000
"$RSYNC" -a --fake-super "$SRC/" "$T/base/" || fail "harness: rsync --fake-super"
getfattr -n user.rsync.%stat "$T/base/f" >/dev/null 2>&1 ||
	skip "the temp file system keeps no user xattrs"
setfattr -n user.x -v 1 "$T/base/f"
setfattr -n user.y -v 2 "$T/base/d/g"
setfacl -m u:1234:r "$T/base/d/g"
rm "$SRC/gone"
printf 'newer f\n' >"$SRC/f"; printf 'newer g\n' >"$SRC/d/g"
stamp "$SRC" 1600000000

mk_tmpfs 16 "$T/other"
setfattr -n user.probe -v 1 "$T/other" 2>/dev/null ||
	skip "tmpfs here keeps no user xattrs"

cp -a "$T/base" "$DST"
for opts in "--fake-super" "--fake-super -X" "-X" "-XA" "-A --fake-super" ""; do
	rm -rf "$T/other/rs" "$T/other/ts"
	# shellcheck disable=SC2086
	{ _reset_outputs
	  run_rs -ai --delete $opts --backup-dir="$T/other/rs" -- "$SRC/" "$DST/"
	  run_ts -ai --delete $opts --backup-dir="$T/other/ts" -- "$SRC/" "$DST/"; }
	assert_same_result --no-mtime-dirs
	assert_same_tree "$T/other/rs" "$T/other/ts" --no-mtime-dirs
	[ "$(attrs "$T/other/rs")" = "$(attrs "$T/other/ts")" ] ||
		fail "${opts:-no options}: the backups' attributes differ: $(diff <(attrs "$T/other/rs") <(attrs "$T/other/ts"))"
	case $opts in
	*fake-super*)
		getfattr -n user.rsync.%stat "$T/other/ts/f" >/dev/null 2>&1 ||
			fail "$opts: the backup of f lost user.rsync.%stat"
		getfattr -n user.rsync.%stat "$T/other/ts/gone" >/dev/null 2>&1 ||
			fail "$opts: the backup of the deleted gone lost user.rsync.%stat" ;;
	esac
done
pass
