#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-E (x bits of existing files follow the source's without -p), -U/--atimes (non-directories' access times, to the second; 'u' column), --open-noatime, -N refused: like rsync"
need_treesync

mkdir -p "$SRC/d" "$DST/d"
for f in a b c d/e; do printf '#!/bin/sh\n' >"$SRC/$f"; cp "$SRC/$f" "$DST/$f"; done
chmod 1700 "$SRC/a"; chmod 600 "$SRC/b"; chmod 751 "$SRC/c"; chmod 644 "$SRC/d/e"
chmod 600 "$DST/a"; chmod 604 "$DST/b"; chmod 640 "$DST/c"; chmod 755 "$DST/d/e"
printf 'new\n' >"$SRC/new"; chmod 755 "$SRC/new"
ln -s a "$SRC/l"
touch -d @1500000000 "$SRC/a" "$SRC/b" "$SRC/c" "$SRC/d/e" "$SRC/new" "$DST/a" "$DST/b" "$DST/c" "$DST/d/e"
touch -h -d @1500000000 "$SRC/l"

for args in "-rE" "-rtE" "-rtpE" "-rt" "-rtE --chmod=F644" "-rtE --no-perms"; do
	# shellcheck disable=SC2086
	run_both -i $args -- "$SRC/" "$DST"
	assert_same_result --no-mtime
done

# -U: the sources are read with --open-noatime by both (rsync reads
# first: otherwise its reads could move the access times treesync sees).
now=$(date +%s)
rm -rf "$DST"; mkdir -p "$DST/d"; cp -p "$SRC/b" "$DST/b"
touch -a -d "@$((now - 50000))" "$DST/b"
i=0
for f in a b c d/e new d; do
	i=$((i + 1))
	touch -a -d "@$((now - 3600 * i))" "$SRC/$f"
done
touch -h -a -d "@$((now - 100))" "$SRC/l"
atimes() {	# the access time of every non-directory but symlinks
	(cd "$1" && find . ! -type d ! -type l -printf '%p %A@\n' | sed 's/\.[0-9]*$//' | sort)
}
for args in "-rtU" "-rU" "-aU" "-rtUU" "-rtU --no-atimes"; do
	# shellcheck disable=SC2086
	run_both -i --open-noatime $args -- "$SRC/" "$DST"
	assert_same_output
	# Without -U a new file's access time is when it was written.
	[ "$args" = "-rtU --no-atimes" ] && continue
	[ "$(atimes "$RS_DST")" = "$(atimes "$TS_DST")" ] ||
		fail "$args: access times differ: $(diff <(atimes "$RS_DST") <(atimes "$TS_DST"))"
done
run_both -irltU --open-noatime -- "$SRC/" "$DST"
assert_same_output
grep -q '^\.f\.\.\.\.\.\.u\.\. b$' "$T/treesync.out" || fail "no '.f......u..' line for b: $(cat "$T/treesync.out")"
[ "$(atimes "$TS_DST" | grep '^./a ')" = "./a $((now - 3600))" ] || fail "-U: atime of a not kept"
run_both_again -irltU --open-noatime -- "$SRC/" "$DST"
expect_no_output treesync
assert_same_output

# -N: Linux keeps no settable creation time; rsync 3.5.0 refuses it.
for args in "-aN" "-a --crtimes"; do
	# shellcheck disable=SC2086
	run_both $args -- "$SRC/" "$T/crt"
	assert_rc rsync 1
	assert_rc treesync 1
	[ -e "$T/crt" ] && fail "$args: DEST made"
done
run_both -a --no-crtimes --no-N -- "$SRC/" "$DST"
assert_same_result
pass
