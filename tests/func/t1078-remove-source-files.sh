#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--remove-source-files like rsync: every synchronised source non-directory goes (copied, already up to date, symlink, FIFO, -H links, -c), directories stay, -u skips keep theirs, a dry run removes nothing; same -i lines, --info=remove lines, exit code and trees"

# make_src: a fresh source (each run removes files from it).
make_src() {
	rm -rf "$SRC"
	mkdir -p "$SRC/sub/deeper"
	printf 'copied\n' >"$SRC/a"
	printf 'deep\n' >"$SRC/sub/deeper/f"
	printf 'same\n' >"$SRC/same"
	printf 'newer in DEST\n' >"$SRC/newer"
	ln -s a "$SRC/link"
	mkfifo "$SRC/fifo"
	printf 'group\n' >"$SRC/h1"
	ln "$SRC/h1" "$SRC/sub/h2"
	stamp "$SRC"
}
make_src
mkdir -p "$DST"
cp -p "$SRC/same" "$DST/same"
printf 'dest is newer\n' >"$DST/newer"
printf 'old\n' >"$DST/a"
touch -d @1400000000 "$DST/a"

src_left() { (cd "$SRC" && find . | LC_ALL=C sort); }

for opts in "-ai" "-aiH" "-aic" "-aiu" "-ai --info=remove" "-ain"; do
	# shellcheck disable=SC2086
	{ make_src; run_rs $opts --remove-source-files -- "$SRC/" "$DST/"; }
	src_left >"$T/rs.left"
	# shellcheck disable=SC2086
	{ make_src; run_ts $opts --remove-source-files -- "$SRC/" "$DST/"; }
	src_left >"$T/ts.left"
	# -H: which link of a group is copied follows the walk (README).
	if [ "$opts" = -aiH ]; then
		sed -i 's/^hf+++++++++ .*/hf <link>/; s/^>f+++++++++ \(h1\|sub\/h2\)$/>f <first>/' \
			"$T/rsync.out" "$T/treesync.out"
	fi
	assert_same_output
	diff -u "$T/rs.left" "$T/ts.left" >"$T/left.diff" ||
		{ note_file "$T/left.diff" 30; fail "$opts: the sources left differ"; }
done
# On a fresh DEST: only directories stay, and what -u skipped.
_reset_outputs
make_src; run_ts -aiu --remove-source-files -- "$SRC/" "$DST/"
[ -e "$SRC/newer" ] || fail "-u: a skipped source was removed"
[ -e "$SRC/a" ] && fail "a copied source was kept"
[ -d "$SRC/sub/deeper" ] || fail "a source directory was removed"
# -H: a group across directories stays one inode in DEST although its
# first name's source is gone before the others are listed.
_reset_outputs
make_src; run_ts -aH --remove-source-files -- "$SRC/" "$DST/"
[ "$(stat -c %i "$TS_DST/h1")" = "$(stat -c %i "$TS_DST/sub/h2")" ] ||
	fail "-H: h1 and sub/h2 are not one inode in DEST"
[ -e "$SRC/sub/h2" ] && fail "-H: sub/h2's source was kept"
pass
