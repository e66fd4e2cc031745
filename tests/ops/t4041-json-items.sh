#!/bin/bash
# t4041: --json-items prints one valid JSON object per line, one per changed
# item (the same items -i lists), each valid against
# docs/json-schema/item.v1.json (checked with jsonschema_lite.py), with the
# right action and reasons:
#   create (new file, dir, symlink), update (size; mtime; checksum with -c),
#   attrs (perms only), delete, link (-H: a hard link of another item).
. "$(dirname "$0")/lib.sh"
desc "--json-items: one valid record per changed item; actions and reasons"
need_treesync
need_cmd jq
need_cmd python3
SCHEMA=$SCHEMADIR/item.v1.json
[ -r "$SCHEMA" ] || { bad "no schema $SCHEMA"; finish; }

S=$T/src D=$T/dst
mkdir -p "$S/newdir" "$D/olddir"
echo "brand new" >"$S/newfile"
echo "in a new dir" >"$S/newdir/inner"
ln -s newfile "$S/newlink"
echo "hard linked" >"$S/hl1"; ln "$S/hl1" "$S/hl2"
echo "the new, longer content" >"$S/size"; echo short >"$D/size"
echo same >"$S/mtime"; echo same >"$D/mtime"; touch -d 2020-01-01 "$D/mtime"
echo perm >"$S/perms"; cp -p "$S/perms" "$D/perms"; chmod 640 "$D/perms"
echo unchanged >"$S/unchanged"; cp -p "$S/unchanged" "$D/unchanged"
echo extra >"$D/extra"; echo x >"$D/olddir/x"
touch -r "$S" "$D"
cp -a "$D" "$T/dst-i"
cp -a "$D" "$T/dst-orig"

ts "$T/items" "$T/items.err" -aH --delete --json-items "$S/" "$D/"
[ "$RC" = 0 ] || { bad "exit $RC"; show "$T/items.err"; }
ts "$T/ilines" "$T/i.err" -aH --delete -i "$S/" "$T/dst-i/"

if python3 "$OPS_DIR/jsonschema_lite.py" --lines "$SCHEMA" "$T/items" >"$T/val" 2>&1; then
	ok "every line is a JSON object valid against item.v1.json ($(wc -l <"$T/items") lines)"
else
	bad "lines not valid against item.v1.json:"; show "$T/val" 15
fi
grep -v '^{.*}$' "$T/items" | grep -q . && bad "a line of stdout is not one JSON object"

# One record per changed item: the same paths as the -i lines.
grep -v '^created directory ' "$T/ilines" | sed -E 's/^[^ ]+ +//; s/ -> .*//; s/ => .*//; s:/$::; s:^\./?$:.:' | LC_ALL=C sort >"$T/ipaths"
jq -r .path "$T/items" | LC_ALL=C sort >"$T/jpaths"
if cmp -s "$T/ipaths" "$T/jpaths"; then ok "one record per item that -i lists ($(wc -l <"$T/jpaths"))"
else bad "--json-items paths differ from -i paths:"; diff "$T/ipaths" "$T/jpaths" | sed 's/^/      | /' | head
fi
[ "$(jq -r .path "$T/items" | sort | uniq -d)" = "" ] || bad "a path has more than one record"

# rec PATH: the record of PATH (compact), or empty.
rec() { jq -c --arg p "$1" 'select(.path == $p)' "$T/items"; }
# expect_rec PATH JQ-CONDITION WHAT
expect_rec() {
	local r
	r=$(rec "$1")
	if [ -z "$r" ]; then bad "$3: no record for '$1'"; return; fi
	if jq -e "$2" <<<"$r" >/dev/null; then ok "$3: $r"
	else bad "$3: '$1' is $r; wanted $2"
	fi
}
expect_rec newfile '.action == "create" and .type == "file" and (.reasons | index("new")) and .bytes == 10 and (.method | length > 0) and .itemize == ">f+++++++++" and .dry_run == false' "create file"
expect_rec newdir '.action == "create" and .type == "dir" and (.reasons | index("new"))' "create dir"
expect_rec newlink '.action == "create" and .type == "symlink" and .target == "newfile"' "create symlink"
expect_rec size '.action == "update" and (.reasons | index("size")) and .itemize[0:1] == ">"' "update (size)"
expect_rec mtime '.action == "update" and .reasons == ["mtime"] and .itemize == ">f..t......"' "update (mtime)"
expect_rec perms '.action == "attrs" and .reasons == ["perms"] and .itemize == ".f...p....." and (has("bytes") | not)' "attrs (perms)"
expect_rec extra '.action == "delete" and .type == "file" and .reasons == [] and (has("itemize") | not)' "delete file"
expect_rec olddir '.action == "delete" and .type == "dir"' "delete dir"
# -H: one of the pair is created, the other is a link to it.
a=$(rec hl1) b=$(rec hl2)
if jq -e -s '(map(.action) | sort) == ["create", "link"] and (map(select(.action == "link"))[0] | .target != null and (.itemize | startswith("hf")))' <<<"$a$b" >/dev/null; then
	ok "link (-H): $a $b"
else bad "link (-H): wanted one create and one link with a target: $a $b"
fi
[ -z "$(rec unchanged)" ] && ok "no record for an unchanged file" || bad "an unchanged file has a record: $(rec unchanged)"
# itemize matches the -i line of the same item.
awk '/^created directory / || /^\*deleting/ { next } { it = $1; p = $0; sub(/^[^ ]+ +/, "", p); sub(/ -> .*/, "", p)
    sub(/ => .*/, "", p); sub(/\/$/, "", p); if (p == "." || p == "") p = "."; print p "\t" it }' "$T/ilines" |
    LC_ALL=C sort >"$T/i-itemize"
jq -r 'select(.itemize) | [.path, .itemize] | @tsv' "$T/items" | LC_ALL=C sort >"$T/j-itemize"
if cmp -s "$T/i-itemize" "$T/j-itemize"; then ok "each record's itemize is the -i string of its item"
else bad "itemize strings differ from -i:"; diff "$T/i-itemize" "$T/j-itemize" | sed 's/^/      | /' | head
fi

# Second run: nothing changed, nothing printed.
ts "$T/items2" "$T/e2" -aH --delete --json-items "$S/" "$D/"
[ "$RC" = 0 ] && [ ! -s "$T/items2" ] && ok "a run without changes prints no record" ||
    { bad "no-change run: exit $RC, $(wc -l <"$T/items2") record(s)"; show "$T/items2" 5; }

# Checksum: same size and mtime, other content: only -c sees it.
mkdir -p "$T/cs" "$T/cd"
echo "AAAA" >"$T/cs/f"; echo "BBBB" >"$T/cd/f"; touch -r "$T/cs/f" "$T/cd/f"; touch -r "$T/cs" "$T/cd"
ts "$T/c0" "$T/c0.err" -a --json-items "$T/cs/" "$T/cd/"
[ ! -s "$T/c0" ] && ok "without -c: equal size and mtime -> no record" || bad "without -c: $(cat "$T/c0")"
ts "$T/c1" "$T/c1.err" -a -c --json-items "$T/cs/" "$T/cd/"
if jq -e -s 'length == 1 and .[0].path == "f" and .[0].action == "update" and .[0].reasons == ["checksum"] and .[0].itemize == ">fc........"' "$T/c1" >/dev/null; then
	ok "update (checksum, -c): $(cat "$T/c1")"
else bad "update (checksum, -c): $(cat "$T/c1")"
fi
cmp -s "$T/cs/f" "$T/cd/f" || bad "-c did not fix the content"

# Dry run: same records, dry_run true, nothing written.
snap "$T/dst-orig" >"$T/snap1"
ts "$T/dry" "$T/e4" -aH -n --delete --json-items "$S/" "$T/dst-orig/"
snap "$T/dst-orig" >"$T/snap2"
jq -e -s 'length > 0 and all(.dry_run == true)' "$T/dry" >/dev/null && ok "dry run: every record has dry_run true" ||
    { bad "dry run: no records, or records without dry_run true"; show "$T/dry" 5; }
[ "$(jq -r .path "$T/dry" | LC_ALL=C sort)" = "$(cat "$T/jpaths")" ] && ok "dry run: the same paths as the real run" ||
    bad "dry run: other paths than the real run"
cmp -s "$T/snap1" "$T/snap2" && ok "dry run: DEST untouched" || bad "dry run --json-items changed DEST"
finish
