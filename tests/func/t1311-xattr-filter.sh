#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-X with xattr-name filter rules ('x' modifier) like rsync: excluded names are not copied, compared or removed; 's' rules only screen the source, 'r' rules only DEST's names (kept, never compared); +x/-x order, negation; the rules replace the namespace screening (system.* copied unless excluded); same -i lines, exit code and attributes, -n too"
need_treesync
need_root
command -v setfattr >/dev/null && command -v setfacl >/dev/null || skip "needs setfattr/setfacl (attr, acl packages)"

mkdir -p "$SRC/d" "$DST/d"
echo a >"$SRC/f"; echo b >"$SRC/d/g"; echo c >"$SRC/plain"
setfattr -n user.foo -v new "$SRC/f" || skip "the temp file system has no user xattrs"
setfattr -n user.bar -v b "$SRC/f"
setfattr -n user.keep1 -v k "$SRC/f"
setfattr -n trusted.t -v t "$SRC/f"
setfattr -n user.foo -v dir "$SRC/d"
setfattr -n user.gx -v 1 "$SRC/d/g"
setfacl -m u:1234:r "$SRC/plain"
stamp "$SRC"
# DEST: the same data and times, other attributes: user.foo old, an
# extraneous user.gone, user.bar missing.
cp -a "$SRC/." "$DST/"
for p in f d d/g plain; do
	getfattr -m - --absolute-names "$DST/$p" 2>/dev/null | grep -v '^#' | grep . |
		while read -r n; do setfattr -x "$n" "$DST/$p"; done
done
setfattr -n user.foo -v old "$DST/f"
setfattr -n user.gone -v g "$DST/f"
setfattr -n user.foo -v olddir "$DST/d"
stamp "$DST"


for rules in "-x user.foo" "-xr *" "-xs user.foo" "-xr user.gone" \
    "+x user.keep* | -x user.*" "-x! user.*" "-x system.* | -x user.g*" \
    "-x *.foo | -xs trusted.*"; do
	args=()
	IFS='|' read -ra parts <<<"$rules"
	for r in "${parts[@]}"; do
		r=${r# }; r=${r% }
		args+=("--filter=$r")
	done
	for opts in -aiX -aiXn; do
		run_both $opts "${args[@]}" -- "$SRC/" "$DST/"
		assert_same_result
		same_attrs "$opts $rules"
	done
	# And again on what it made: nothing left to do, as rsync says.
	run_both_again -aiX "${args[@]}" -- "$SRC/" "$DST/"
	assert_same_result
	same_attrs "$rules, second run"
done
# The scenario tells rules apart: -x user.foo keeps DEST's old value.
run_both -aiX --filter='-x user.foo' -- "$SRC/" "$DST/"
[ "$(getfattr --only-values -n user.foo "$TS_DST/f")" = old ] ||
	fail "-x user.foo: DEST's user.foo was changed"
getfattr -n user.gone "$TS_DST/f" >/dev/null 2>&1 &&
	fail "-x user.foo: the extraneous user.gone was kept"
# Without rules system.* (the ACL) is not copied by -X; with any rule it is.
run_both -aiX --filter='-x user.nothing' -- "$SRC/" "$DST/"
getfattr -n system.posix_acl_access "$TS_DST/plain" >/dev/null 2>&1 ||
	fail "with an x rule, system.posix_acl_access was not copied"
pass
