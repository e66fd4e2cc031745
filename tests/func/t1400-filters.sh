#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "filters: --exclude/--include/--filter/-F/.rsync-filter at several depths/--exclude-from/--include-from/--delete-excluded/P and R/dir/*** equal rsync; a malformed rule exits 1 naming its source"
need_treesync

mkdir -p "$SRC/a/b/c" "$SRC/build/obj" "$SRC/keep/deep" "$SRC/docs/img" "$SRC/some/path" "$SRC/some/other"
for f in a/x.o a/x.c a/b/y.o a/b/y.c a/b/c/z.txt build/obj/m.o build/out.bin keep/k.txt \
	keep/deep/k2.txt docs/readme.md docs/img/p.png some/path/s.txt some/other/o.txt top.c \
	top.o core .hidden; do
	echo "$f" >"$SRC/$f"
done
printf -- '- *.txt\n' >"$SRC/a/.rsync-filter"
printf -- '+ z.txt\n- *\n' >"$SRC/a/b/c/.rsync-filter"
printf -- '- *.png\n' >"$SRC/docs/.rsync-filter"
"$PYTHON" "$FUNC_DIR/stamp.py" "$SRC" >/dev/null 2>&1 || true
printf -- '# a comment\n*.o\n\n; another\nbuild/\n' >"$T/excl.txt"
printf -- '*/\n*.c\n' >"$T/incl.txt"

# Each line: the rule options for one run.
while IFS= read -r rules; do
	[ -z "$rules" ] && continue
	rm -rf "$DST"
	eval "args=($rules)"
	run_both -ai "${args[@]}" -- "$SRC/" "$DST"
	assert_same_result
done <<RULES
--exclude='*.o'
--exclude='/top.o' --exclude='b/'
--exclude='build/'
--include='*/' --include='*.c' --exclude='*'
--include='/some/' --include='/some/path/' --exclude='/some/*' --exclude='/*'
--include='keep/***' --exclude='*'
--filter='- /a/**/y.o' --filter='- core'
--filter='-! */' --filter='+ *'
-F
-F -F
--filter=': .rsync-filter' --exclude='*.md'
--exclude-from=$T/excl.txt
--include-from=$T/incl.txt --exclude='*'
--exclude='[a-b]/' --exclude='?op.?'
--filter='exclude,! .hidden'
--cvs-exclude
RULES

# Deletion: excluded names are protected unless --delete-excluded; P/R.
mkdir -p "$DST"; cp -a "$SRC/." "$DST/"
mkdir -p "$DST/extra/inner"; echo e >"$DST/extra/inner/keep.me"; echo e >"$DST/extra/gone"
echo e >"$DST/stale.o"; echo e >"$DST/a/stale.o"
for rules in "--delete --exclude=*.o" "--delete-excluded --exclude=*.o" \
	"--delete --delete-excluded --exclude=*.o --filter=P\ stale.o" \
	"--delete --filter=-\ extra/ --filter=R\ extra/"; do
	eval "args=($rules)"
	run_both -ai "${args[@]}" -- "$SRC/" "$DST"
	assert_same_result
done
# Protected content inside an extraneous directory keeps it.  rsync prints
# "cannot delete non-empty directory: extra/inner" twice (it empties nested
# directories twice); treesync once: compare the lines de-duplicated.
run_both -ai --delete --filter='P keep.me' -- "$SRC/" "$DST"
assert_same_tree "$RS_DST" "$TS_DST" --no-mtime-dirs	# extra/ changed when gone went
[ "$TS_RC" = "$RS_RC" ] || fail "protect: exit $TS_RC, rsync $RS_RC"
diff <(filter_rsync <"$T/rsync.out" | sed "s#$RS_DST#<DEST>#" | LC_ALL=C sort -u) \
	<(LC_ALL=C sort -u "$T/treesync.out" | sed "s#$TS_DST#<DEST>#") >"$T/protect.diff" ||
	fail "protect: lines differ: $(cat "$T/protect.diff")"
[ -e "$TS_DST/extra/inner/keep.me" ] || fail "protected file deleted"

# A malformed rule: exit 1, the rule and its source named, nothing done.
run_both -a --filter='-q foo' -- "$SRC/" "$T/never"
[ "$TS_RC" = 1 ] || fail "malformed --filter: exit $TS_RC, want 1"
ts_is_rsync || grep -q "'-q foo'" "$T/treesync.err" || fail "message does not name the rule: $(cat "$T/treesync.err")"
printf -- '- ok\n= bad rule\n' >"$T/bad-rules"
run_both -a --filter=". $T/bad-rules" -- "$SRC/" "$T/never"
[ "$TS_RC" = 1 ] || fail "malformed rule in a merge file: exit $TS_RC, want 1"
ts_is_rsync || grep -q "bad-rules line 2" "$T/treesync.err" || fail "message does not name the file and line: $(cat "$T/treesync.err")"
ts_is_rsync || ! grep -q "= bad rule" "$T/treesync.err" || fail "the message echoes the rule file's content: $(cat "$T/treesync.err")"
[ ! -e "$T/never" ] || fail "a malformed rule left a destination behind"
pass
