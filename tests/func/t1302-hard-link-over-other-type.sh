#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-H: a link made where DEST has another type (a directory, empty or not, a symlink, a FIFO; in the link's directory or another; its first link up to date or rewritten; -n too) is itemized as rsync's, against what was there ('hf.stp.....'), not as new; same tree, inode groups, -i lines and exit code"
need_func

# inode groups of a tree: one line per group, the sorted member paths.
groups() {
	(cd "$1" && find . -type f -printf '%i %p\n' | sort -k2 |
		awk '{g[$1] = g[$1] " " $2} END {for (i in g) print g[i]}' | sort)
}

# Two links, a/x (the first, which rsync and treesync both copy: DEST has
# it as a file) and c/y, and two in one directory, b/p and b/q.
mkdir -p "$SRC/a" "$SRC/b" "$SRC/c"
printf 'hello\n' >"$SRC/a/x"
ln "$SRC/a/x" "$SRC/c/y"
printf 'pq\n' >"$SRC/b/p"
ln "$SRC/b/p" "$SRC/b/q"
chmod 0640 "$SRC/b/p"
stamp "$SRC"

# mkdest KIND FIRST: DEST with a/x and b/p (FIRST: same, or old bytes and
# time), and KIND at c/y and b/q.
mkdest() {
	rm -rf "$DST"
	mkdir -p "$DST/a" "$DST/b" "$DST/c"
	if [ "$2" = same ]; then
		cp -p "$SRC/a/x" "$DST/a/x"
		cp -p "$SRC/b/p" "$DST/b/p"
	else
		printf 'old bytes\n' >"$DST/a/x"
		printf 'old\n' >"$DST/b/p"
	fi
	for n in c/y b/q; do
		case $1 in
		dir) mkdir "$DST/$n" ;;
		fulldir) mkdir -p "$DST/$n/sub"; printf 'in the way\n' >"$DST/$n/sub/junk" ;;
		symlink) ln -s nowhere "$DST/$n" ;;
		fifo) mkfifo "$DST/$n" ;;
		esac
		touch -h -d @1400000000 "$DST/$n"
	done
	touch -d @1400000000 "$DST/a" "$DST/b" "$DST/c" "$DST"
}

for kind in dir fulldir symlink fifo; do
	for first in same old; do
		for opts in "-aiH --delete" "-aiH" "-aiHn --delete"; do
			mkdest "$kind" "$first"
			# shellcheck disable=SC2086
			run_both $opts -- "$SRC/" "$DST"
			assert_same_result
			[ "$(groups "$RS_DST")" = "$(groups "$TS_DST")" ] ||
				fail "$kind $first $opts: inode groups differ"
		done
		case $kind in
		fifo) expect_line treesync 'hf.st...... c/y => a/x' ;;
		*) expect_line treesync 'hf.stp..... c/y => a/x' ;;
		esac
	done
done
pass
