#!/bin/bash
# t4040: --json prints one document that follows docs/json-schema/summary.v1.json
# and whose counts are the real changes of the tree.
#
# Validation: tests/ops/jsonschema_lite.py (a small validator of the JSON
# Schema subset the schema uses; python3's standard library has none), plus
# jq assertions on the types.  The counts are checked against snapshots of
# DEST taken before and after the run: created = paths that appeared,
# deleted = paths that went away, transferred = regular files that are new
# or were replaced (a new inode: treesync renames a temp file into place),
# bytes.transferred = their sizes.  A dry run (-n --json) must count the
# same as the real run.
. "$(dirname "$0")/lib.sh"
desc "--json summary: schema-valid, counts equal the real tree changes"
need_treesync
need_cmd jq
need_cmd python3
SCHEMA=$SCHEMADIR/summary.v1.json
[ -r "$SCHEMA" ] || { bad "no schema $SCHEMA"; finish; }

S=$T/src D=$T/dst
mkdir -p "$S/newdir" "$S/deep/er" "$D/extradir/sub" "$D/deep/er"
for f in n1 n2 n3 newdir/a newdir/b deep/er/c; do echo "new file $f" >"$S/$f"; done
ln -s n1 "$S/ln"
echo "new content, longer" >"$S/upd_size"; echo old >"$D/upd_size"
echo same1 >"$S/upd_mtime"; echo same1 >"$D/upd_mtime"; touch -d 2020-01-01 "$D/upd_mtime"
echo attrs >"$S/attrs"; cp -p "$S/attrs" "$D/attrs"; chmod 600 "$D/attrs"
echo same >"$S/same"; cp -p "$S/same" "$D/same"
touch -r "$S/deep/er" "$D/deep/er"
for f in extra1 extra2 extradir/x extradir/y extradir/sub/z; do echo "old $f" >"$D/$f"; done
ln -s nowhere "$D/extralink"

# Inventory: path, type, inode, size.
inv() { (cd "$1" && find . -mindepth 1 -printf '%P\t%y\t%i\t%s\n' | LC_ALL=C sort); }
inv "$D" >"$T/before"

ts "$T/dry.json" "$T/dry.err" -a -n --delete --json "$S/" "$D/"
[ "$RC" = 0 ] || { bad "dry run: exit $RC"; show "$T/dry.err"; }
ts "$T/run.json" "$T/run.err" -a --delete --json "$S/" "$D/"
[ "$RC" = 0 ] || { bad "real run: exit $RC"; show "$T/run.err"; }
inv "$D" >"$T/after"

# One document, on one line, nothing else on stdout; nothing on stderr.
[ "$(wc -l <"$T/run.json")" = 1 ] && ok "stdout is exactly one line (one JSON document)" ||
    { bad "stdout has $(wc -l <"$T/run.json") lines"; show "$T/run.json" 5; }
[ -s "$T/run.err" ] && { bad "stderr is not empty"; show "$T/run.err"; }

for f in run dry; do
	if python3 "$OPS_DIR/jsonschema_lite.py" "$SCHEMA" "$T/$f.json" >"$T/$f.val" 2>&1; then
		ok "$f: valid against summary.v1.json (jsonschema_lite.py)"
	else
		bad "$f: not valid against summary.v1.json:"; show "$T/$f.val" 15
	fi
done
jq -e '.schema == "treesync.summary.v1" and (.files | to_entries | all(.value | type == "number" and . >= 0 and floor == .))
    and (.exit_code | type == "number") and (.options.sources | type == "array")' "$T/run.json" >/dev/null &&
    ok "jq: schema name, non-negative integer counts, types" || bad "jq assertions on the summary failed"

# The real changes.
created=$(comm -13 <(cut -f1 "$T/before") <(cut -f1 "$T/after") | wc -l)
deleted=$(comm -23 <(cut -f1 "$T/before") <(cut -f1 "$T/after") | wc -l)
# Regular files that are new or have a new inode.
python3 - "$T/before" "$T/after" >"$T/xfer" <<'EOF'
import sys
def load(p):
    d = {}
    for line in open(p):
        path, typ, ino, size = line.rstrip("\n").split("\t")
        d[path] = (typ, ino, int(size))
    return d
b, a = load(sys.argv[1]), load(sys.argv[2])
n = size = 0
for p, (typ, ino, sz) in a.items():
    if typ == "f" and (p not in b or b[p][1] != ino):
        n += 1
        size += sz
print(n, size)
EOF
read -r xfer xbytes <"$T/xfer"
src_total=$( (cd "$S" && find . | wc -l) )
src_reg=$(find "$S" -type f | wc -l)
src_dir=$(find "$S" -type d | wc -l)
src_lnk=$(find "$S" -type l | wc -l)
src_size=$(find "$S" \( -type f -o -type l \) -printf '%s\n' | awk '{s += $1} END {print s + 0}')

j() { jq -r "$1" "$T/run.json"; }
cmpnum() {	# what jq-path expected
	local got
	got=$(j "$2")
	[ "$got" = "$3" ] && ok "$1: $2 = $3" || bad "$1: $2 = $got, the tree says $3"
}
cmpnum "created in DEST" .files.created "$created"
cmpnum "deleted from DEST" .files.deleted "$deleted"
cmpnum "regular files copied (new inode)" .files.transferred "$xfer"
cmpnum "bytes of the copied files" .bytes.transferred "$xbytes"
cmpnum "source entries, root included" .files.total "$src_total"
cmpnum "source regular files" .files.regular "$src_reg"
cmpnum "source directories" .files.dirs "$src_dir"
cmpnum "source symlinks" .files.symlinks "$src_lnk"
cmpnum "size of source files and links" .bytes.total_size "$src_size"
cmpnum "exit status" .exit_code 0
m=$(j '[.methods[].files] | add')
[ "$m" = "$xfer" ] && ok "files per copy method add up to the files copied ($m)" || bad "methods count $m files, $xfer were copied"
m=$(j '[.methods[].bytes] | add')
[ "$m" = "$xbytes" ] && ok "bytes per copy method add up ($m)" || bad "methods count $m bytes, $xbytes were copied"
j '.options.delete' | grep -qx true || bad ".options.delete is not true"
[ "$(j .options.dest)" = "$D/" ] || bad ".options.dest is '$(j .options.dest)', not '$D/'"

# The dry run counts what the real run did.
drybad=0
for k in .files.created .files.deleted .files.transferred .files.changed .bytes.transferred; do
	a=$(jq -r "$k" "$T/dry.json") b=$(j "$k")
	[ "$a" = "$b" ] || { bad "dry run $k = $a, real run $k = $b"; drybad=1; }
done
jq -e '.options.dry_run == true' "$T/dry.json" >/dev/null || { bad "dry run: .options.dry_run is not true"; drybad=1; }
[ "$drybad" = 0 ] && ok "the dry run counts what the real run did (created, deleted, transferred, changed, bytes)"

# A second run changes nothing and says so.
ts "$T/again.json" "$T/again.err" -a --delete --json "$S/" "$D/"
jq -e '.files.created == 0 and .files.deleted == 0 and .files.transferred == 0 and .files.changed == 0 and .exit_code == 0' \
    "$T/again.json" >/dev/null && ok "second run: all change counts 0" ||
    { bad "second run: change counts are not 0"; jq -c .files "$T/again.json" | cut -c1-300 | sed 's/^/      | /'; }

# The exit code in the document is the process's: --max-delete=1 -> 25.
echo gone >"$D/extra3"; echo gone >"$D/extra4"
ts "$T/lim.json" "$T/lim.err" -a --delete --max-delete=1 --json "$S/" "$D/"
[ "$(jq -r .exit_code "$T/lim.json" 2>/dev/null)" = "$RC" ] && [ "$RC" = 25 ] &&
    ok "--max-delete over the limit: exit 25 and .exit_code 25, .files.deletions_withheld $(jq -r .files.deletions_withheld "$T/lim.json")" ||
    bad "--max-delete=1: exit $RC, .exit_code $(jq -r .exit_code "$T/lim.json" 2>/dev/null)"
finish
