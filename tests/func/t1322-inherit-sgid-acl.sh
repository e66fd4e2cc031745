#!/bin/bash
# Issue 10, item 12: without -p, what the destination says goes, as in
# rsync: a new directory inside a setgid directory keeps the setgid bit it
# inherited (DEST itself too, when the run makes it), and a destination
# directory's default ACL (not the umask) decides the permissions of new
# entries.
. "$(dirname "$0")/lib.sh"
describe "-r without -p: setgid inherited by new directories, default ACLs of DEST directories honoured, like rsync"

mkdir -p "$SRC/dir/sub"
printf 'f\n' >"$SRC/file"; chmod 0755 "$SRC/file"
printf 'p\n' >"$SRC/dir/prog"; chmod 0775 "$SRC/dir/prog"
printf 'g\n' >"$SRC/dir/sub/g"; chmod 0666 "$SRC/dir/sub/g"
stamp "$SRC" 1500000000
have_acl=1
mkdir -p "$T/probe" && setfacl -dm u::rwx "$T/probe" 2>/dev/null || have_acl=0

for m in 077 022 002; do
	umask "$m"
	# A setgid directory holding DEST (DEST made by the run) and holding
	# an existing DEST.
	rm -rf "$DST"; mkdir -p "$DST"; chmod 2755 "$DST"
	run_both -r -- "$SRC/dir" "$SRC/file" "$DST/to/"
	assert_same_result --no-mtime
	run_both -r -- "$SRC/" "$DST/"
	assert_same_result --no-mtime
	[ "$have_acl" = 1 ] || continue
	for acl in 'u::rwx,g::rx,o::rwx' 'u::rwx,g::rwx,o::-,m::rx' 'u::rw,g::r,o::r'; do
		rm -rf "$DST"; mkdir -p "$DST"; setfacl -dm "$acl" "$DST"
		run_both -r -- "$SRC/" "$DST/to/"
		assert_same_result --no-mtime
		(cd "$RS_DST" && getfacl -Rp . 2>/dev/null) >"$T/rs.acl"
		(cd "$TS_DST" && getfacl -Rp . 2>/dev/null) >"$T/ts.acl"
		diff -u "$T/rs.acl" "$T/ts.acl" >"$T/acl.diff" ||
			{ note_file "$T/acl.diff"; fail "ACLs differ (umask $m, default ACL $acl)"; }
	done
done
umask 022
[ "$have_acl" = 1 ] || pass "$DESC (default ACL part skipped: setfacl -d does not work here)"
pass
