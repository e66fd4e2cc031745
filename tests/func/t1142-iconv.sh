#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--iconv=LOCAL,REMOTE like rsync: names and symlink targets converted (and --list-only's checked) (UTF-8 to latin1 and back, one charset, the locale's '.'), a name either step cannot convert is said and left out (exit 23, no deletion), items printed in the source's charset, --delete of DEST's names, a second run quiet; --no-iconv, RSYNC_ICONV, '-', an unknown charset (exit 4); same -i lines, exit code and tree"
need_func

e_acute=$(printf '\xc3\xa9') a_grave=$(printf '\xc3\xa0') euro=$(printf '\xe2\x82\xac')
make_src() {	# make_src WITH_BAD: the tree; WITH_BAD adds names latin1 lacks or UTF-8 refuses
	rm -rf "$SRC"
	mkdir -p "$SRC/dir$e_acute/sub"
	printf 'c\n' >"$SRC/caf$e_acute"
	printf 'x\n' >"$SRC/dir$e_acute/sub/x$a_grave"
	printf 'p\n' >"$SRC/plain"
	ln -s "caf$e_acute" "$SRC/lnk"
	if [ "$1" = 1 ]; then
		printf 'e\n' >"$SRC/eu$euro"
		printf 'l\n' >"$SRC/l1$(printf '\xe9')"
		ln -s "eu$euro" "$SRC/lnk2"
	fi
	stamp "$SRC"
}
make_dst() {	# DEST exists (rsync leaves out its "./" line unpredictably
		# when a conversion fails in a new one), with extraneous files;
		# OLD8=1: one named in latin1 (rsync prints a deleted name
		# through REMOTE -> UTF-8 and then LOCAL -> UTF-8, cut at the
		# first byte either cannot convert: compared only where that
		# is the name, README)
	rm -rf "$DST"
	mkdir -p "$DST"
	printf 'extra\n' >"$DST/extra"
	[ "$1" = 1 ] && printf 'old\n' >"$DST/old$(printf '\xe9')"
	stamp "$DST" 1300000000
}
# rsync says 'IO error encountered -- skipping file deletion' on stdout,
# treesync on stderr (t1362).
drop_io_line() { sed -i '/^IO error encountered -- skipping file deletion$/d' "$T/rsync.out"; }

for bad in 1 0; do
	make_src $bad
	for spec in utf8,latin1 latin1,utf8 utf8 . utf8,utf8 latin1; do
		case $spec in utf8,latin1) make_dst 1 ;; *) make_dst 0 ;; esac
		for opts in -ai "-ai --delete" "-ain --delete"; do
			# shellcheck disable=SC2086
			run_both $opts --iconv=$spec -- "$SRC/" "$DST/"
			drop_io_line
			assert_same_result
			# shellcheck disable=SC2086
			run_both_again $opts --iconv=$spec -- "$SRC/" "$DST/"
			drop_io_line
			assert_same_result
		done
	done
done
# The scenario converts: latin1 names in DEST, and the bad names failed.
make_src 1
make_dst 0
run_both -ai --iconv=utf8,latin1 -- "$SRC/" "$DST/"
[ -f "$TS_DST/caf$(printf '\xe9')" ] || fail "utf8,latin1: caf\\351 not made"
[ "$(readlink "$TS_DST/lnk")" = "caf$(printf '\xe9')" ] || fail "utf8,latin1: the link target not converted"
[ "$TS_RC" = 23 ] || fail "utf8,latin1: exit $TS_RC with names latin1 lacks"
grep -q "cannot convert filename" "$T/treesync.err" || fail "a failed conversion not said"
expect_line rsync ">f+++++++++ caf\\#303\\#251"
expect_line treesync ">f+++++++++ caf\\#303\\#251"
# A deleted latin1 name is printed in UTF-8, as rsync prints it.
make_src 0
make_dst 1
run_both -ai --delete --iconv=utf8,latin1 -- "$SRC/" "$DST/"
assert_same_result
expect_line treesync "*deleting   old\\#303\\#251"
# Operands without a trailing slash: their names are converted too.
make_src 1
make_dst 0
run_both -ai --iconv=utf8,latin1 -- "$SRC/dir$e_acute" "$SRC/caf$e_acute" "$SRC/eu$euro" "$SRC/lnk" "$DST/"
drop_io_line
assert_same_result --no-mtime-root
[ -d "$TS_DST/dir$(printf '\xe9')" ] || fail "an operand's name not converted"
# -R and --files-from: the listed paths are converted as the names are
# (a name that is not listed is not looked at).
make_src 1
s=${SRC#"$T"/}	# relative (an absolute -R operand: rsync prints a leading "/")
for args in "-aiR $s/dir$e_acute/sub" "-aiR $s/./dir$e_acute" \
    "-ai --files-from=$T/list $SRC/"; do
	printf 'dir%s/sub\ncaf%s\n' "$e_acute" "$e_acute" >"$T/list"
	make_dst 0
	# shellcheck disable=SC2086
	run_both $args --iconv=utf8,latin1 -- "$DST/"
	assert_same_result --no-mtime-root
	[ -s "$T/treesync.err" ] && fail "$args: said something: $(cat "$T/treesync.err")"
done
[ -f "$TS_DST/caf$(printf '\xe9')" ] || fail "--files-from: a listed name not converted"
# --list-only: the names REMOTE lacks (and links whose target it lacks)
# are said and left out, the others printed as they are, as rsync does.
make_src 1
for spec in utf8,latin1 latin1,utf8 utf8; do
	for opts in "-r" "-rl" ""; do
		# shellcheck disable=SC2086
		run_both --list-only $opts --iconv=$spec -- "$SRC/"
		assert_same_output
	done
done
# --no-iconv undoes --iconv; RSYNC_ICONV is the default; "-" is none.
run_both -ai --iconv=utf8,latin1 --no-iconv -- "$SRC/" "$DST/"
assert_same_result
export RSYNC_ICONV=utf8,latin1
run_both -ai --delete -- "$SRC/" "$DST/"
drop_io_line
assert_same_result
[ -f "$TS_DST/caf$(printf '\xe9')" ] || fail "RSYNC_ICONV not used"
run_both -ai --no-iconv -- "$SRC/" "$DST/"
assert_same_result
unset RSYNC_ICONV
run_both -ai --iconv=- -- "$SRC/" "$DST/"
assert_same_result
# An unknown charset on either side: exit 4, nothing made.  (rsync's
# receiver exits 4 for its side's, and its sender then 12 for the broken
# pipe: README.)
for spec in bogus-cs,utf8 utf8,bogus-cs; do
	run_both -ai --iconv=$spec -- "$SRC/" "$DST/new/"
	grep -q 'iconv_open("UTF-8", "bogus-cs") failed' "$T/rsync.err" ||
		fail "scenario: rsync does not fail on bogus-cs"
	[ "$RS_RC" = 4 ] || [ "$spec" = utf8,bogus-cs ] ||
		fail "scenario: rsync exit $RS_RC for $spec"
	[ "$TS_RC" = 4 ] || fail "--iconv=$spec: exit $TS_RC, not 4"
	grep -q 'iconv_open("UTF-8", "bogus-cs") failed' "$T/treesync.err" ||
		fail "--iconv=$spec: not said as rsync says it"
	expect_no_output treesync
	[ -e "$TS_DST/new" ] && fail "--iconv=$spec: DEST made"
done
pass
