#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-y/--fuzzy and -B/--block-size like rsync: same tree and lines, the same basis named at --debug=FUZZY and FUZZY2 (size+mtime match, name and suffix distance, .bak/.orig/~ and digit suffixes, a rewritten file no basis after the first new file, --delete vs --delete-delay, -n, -yy); -B's values and errors (exit 1); -j 1 and 8"

mkdir -p "$SRC/d" "$SRC/e"
mkdata "$SRC/d/archive-v2.tar" 3000
mkdata "$SRC/d/b.txt" 100
mkdata "$SRC/d/notes.2024" 700
mkdata "$SRC/d/zz-new.c" 500
mkdata "$SRC/e/same.bin" 4096
mkdata "$SRC/d/a-upd.tar" 900
mkdata "$SRC/d/archive-v3.tar" 2100
mkdata "$SRC/d/archive-v4.tar" 2200
stamp "$SRC"
mkdir -p "$DST/d" "$DST/e"
mkdata "$DST/d/archive-v1.tar" 2000
mkdata "$DST/d/archive-old.tar.bak" 1500
mkdata "$DST/d/b.txt.orig" 80
mkdata "$DST/d/notes.2023" 650
mkdata "$DST/d/notes.2023~" 640
mkdata "$DST/d/zz-new.h" 300
mkdata "$DST/d/a-upd.tar" 10
mkdata "$DST/d/archive-v3.tar" 10
: >"$DST/d/empty.tar"
mkdata "$DST/e/other.bin" 4096
stamp "$DST" 1400000000
# A size and mtime match under another name.
cp -p "$SRC/e/same.bin" "$DST/e/copy.bin"

for j in 1 8; do
	TS_ONLY_OPTS=(-j "$j")
	for o in "-y --debug=FUZZY" "-y --debug=FUZZY2" "-yy --debug=FUZZY" \
	    "-yn --debug=FUZZY2" "-y --debug=FUZZY --delete" \
	    "-y --debug=FUZZY2 --delete-delay" "-y --debug=FUZZY --del" \
	    "-y --debug=FUZZY --delete-after" "-y" "-y --no-y --debug=FUZZY" \
	    "-y --no-W --debug=FUZZY" "-yn --no-W --debug=FUZZY" \
	    "-y --no-fuzzy --debug=FUZZY" "-B 700" "--block-size=128k" "-y -B1k"; do
		# shellcheck disable=SC2086
		run_both -ai $o -- "$SRC/" "$DST/"
		assert_same_result --no-mtime-dirs
	done
done
TS_ONLY_OPTS=()
run_both -ai -y --debug=FUZZY -- "$SRC/" "$DST/"
expect_line rsync 'fuzzy basis selected for e/same.bin: e/copy.bin'
# archive-v3.tar is rewritten after the first new file: with --no-W
# (rsync's delta algorithm) no basis then.
expect_line rsync 'fuzzy basis selected for d/archive-v4.tar: d/archive-v3.tar'
run_both -ai -y --no-W --debug=FUZZY -- "$SRC/" "$DST/"
expect_line rsync 'fuzzy basis selected for d/archive-v4.tar: d/archive-v1.tar'

# -B: rsync's values and messages (exit 1 and a message, or accepted).
for b in 0 1.5k 128k 128K-1 131072 131072.5 128.1k 128k+1 1t -1 abc 1e3 \
    0x10 99999999999999999999 1kb 1KiB ""; do
	run_both -ai "--block-size=$b" -- "$SRC/" "$DST/"
	assert_same_result --no-mtime-dirs
done
assert_rc treesync 0
run_both -ai -B 131073 -- "$SRC/" "$DST/"
assert_same_result
assert_rc treesync 1
grep -qF -- '--block-size=131073 is too large (max: 128.00K)' \
	"$T/treesync.err" || fail "-B: not rsync's message"
pass
