#!/bin/bash
# -H with --compare-dest: a link whose name has an exact match in the
# compare-dest is left out, whichever link of its group is copied (rsync's
# rule: it leaves out every such link); the others of the group are one
# inode.
# Groups of 2 and 3 links whose matches are the first link only, a middle
# one, the last one, two of them, all or none (in rsync's order), and a
# DEST file that equals its match (removed); over an empty DEST and one
# holding a link of a group: plain treesync -aHi leaves out exactly the
# matched links and makes the others one inode; treesync-mpi -aHi on 1,
# 2 and 3 ranks makes its tree (times included), inode groups, exit code
# and sorted -i lines but for which link of a group is copied (walk order
# there, README).  rsync 3.5.0 fails on such groups (exit 2, or hangs):
# it is the oracle only for groups all or none of whose links match, on
# 2 and 3 ranks (tree, groups, sorted -i lines).  Before, the group's first
# link decided: a match of a later link was linked to it anyway, or a
# first link's match made the others copies of their own, and which link
# was first differed between treesync and treesync-mpi.
. "$(dirname "$0")/lib.sh"
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "-H --compare-dest: every link with a match left out"

S=$T/src C=$T/cmp
mkdir -p "$S"/{a,b,c,x,y/sub,z} "$C"/{a,b,c,x,y/sub,z} "$T/old/b"
mk() {	# mk GROUP MATCHED LINKS...: one file, its links, those of
	# MATCHED (a string of link numbers from 1) copied into the cmp dir
	local g=$1 matched=$2 i=0 l
	shift 2
	printf '%s\n' "group $g" >"$S/$1"
	touch -d "2020-01-01 12:00" "$S/$1"
	for l in "$@"; do
		i=$((i + 1))
		[ "$l" = "$1" ] || ln "$S/$1" "$S/$l"
		case $matched in *$i*) cp -p "$S/$1" "$C/$l" ;; esac
	done
}
mk 1 2 a/g1 b/g1 c/g1		# a middle link only
mk 2 1 a/g2 b/g2		# the first only
mk 3 123 x/g3 y/sub/g3 z/g3	# all
mk 4 3 a/g4 b/g4 c/g4		# the last only
mk 5 "" a/g5 c/g5		# none
mk 6 13 a/g6 b/g6 c/g6		# the first and the last
mk 7 2 a/g7 b/g7		# the last one of two
echo plain >"$S/a/plain"
cp -p "$S/b/g7" "$T/old/b/g7"	# a DEST file that equals its match
touch -d "2020-02-01" "$S" "$S"/* "$S/y/sub" "$C" "$C"/* "$C/y/sub" "$T/old" "$T/old/b"

# unpointed FILE: the sorted -i lines, a group's '>f' and 'hf' lines
# without what tells its links apart (which one is copied).
unpointed() {
	items "$1" | sed -E 's/^(>f|hf)[^ ]* ([^ ]*).*$/f \2/' | sort
}
# result NAME: DEST's tree, inode groups and the run's lines into $T/NAME.*
result() {
	tree_state "$T/dst" >"$T/$1.tree"
	groups "$T/dst" >"$T/$1.groups"
	items "$2" >"$T/$1.items"
	unpointed "$2" >"$T/$1.unpointed"
	echo "$3" >"$T/$1.rc"
}
same() {	# same A B WHAT KINDS...
	local a=$1 b=$2 what=$3 k
	shift 3
	for k in "$@"; do
		cmp -s "$T/$b.$k" "$T/$a.$k" || {
			diff "$T/$b.$k" "$T/$a.$k" | head -20 | sed 's/^/    /'
			fail "$what: the $k is not $b's"
		}
	done
}
prep() { rm -rf "$T/dst"; if [ "$1" = empty ]; then mkdir "$T/dst"; else cp -a "$T/old" "$T/dst"; fi; }
# What rsync's rule gives (rsync 3.5.0 itself stops with "File-list
# index ... not in ... (finish_hard_link)", exit 2, or hangs, as soon as
# some but not all links of a group match): the matched links left out,
# the others one inode; b/g7 (DEST's copy equals its match) removed.
cat >"$T/want.groups" <<'G'
 ./a/g1 ./c/g1
 ./a/g4 ./b/g4
 ./a/g5 ./c/g5
G
want_files="a/g1 a/g4 a/g5 a/g7 a/plain b/g4 b/g2 c/g1 c/g5 b/g6"
for kind in empty old; do
	prep $kind
	"$TREESYNC" -aHi --compare-dest="$C" "$S/" "$T/dst/" >"$T/ts.out" 2>&1
	result "ts.$kind" "$T/ts.out" $?
	[ "$(cat "$T/ts.$kind.rc")" = 0 ] || { note_file "$T/ts.out"; fail "treesync, $kind DEST: exit $(cat "$T/ts.$kind.rc")"; }
	[ "$(cd "$T/dst" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')" = "$(echo $want_files | tr ' ' '\n' | sort | tr '\n' ' ')" ] ||
		{ (cd "$T/dst" && find . -type f | sort | sed 's/^/    /'); fail "treesync, $kind DEST: not every matched link left out"; }
	diff -u "$T/want.groups" "$T/ts.$kind.groups" >"$T/diff" ||
		{ note_file "$T/diff"; fail "treesync, $kind DEST: the unmatched links are not one inode"; }
	for np in 1 2 3; do
		prep $kind
		mpi "$np" "$TREESYNC_MPI_BIN" -aHi --compare-dest="$C" "$S/" "$T/dst/"
		result "mpi.$kind.$np" "$T/mpi.out" "$MPI_RC"
		same "mpi.$kind.$np" "ts.$kind" "$np ranks, $kind DEST" rc tree groups unpointed
	done
	note "$kind DEST: $(echo $want_files | wc -w) files, 3 groups, as rsync's rule on 1-3 ranks and in treesync"
done
# Groups all or none of whose links match: rsync 3.5.0 runs, and agrees.
rm -rf "$T/s2" && mkdir -p "$T/s2" && cp -a "$S/." "$T/s2/" &&
	rm "$T/s2"/*/g1 "$T/s2"/*/g2 "$T/s2"/*/g4 "$T/s2"/*/g6 "$T/s2"/*/g7
touch -d "2020-02-01" "$T/s2" "$T/s2"/* "$T/s2/y/sub"
prep empty
rsync -aHi --compare-dest="$C" "$T/s2/" "$T/dst/" >"$T/rs.out" 2>&1
result rs "$T/rs.out" $?
for np in 2 3; do
	prep empty
	mpi "$np" "$TREESYNC_MPI_BIN" -aHi --compare-dest="$C" "$T/s2/" "$T/dst/"
	result "mpi2.$np" "$T/mpi.out" "$MPI_RC"
	same "mpi2.$np" rs "$np ranks, groups all or none matched" rc tree groups items
done
pass "-H --compare-dest: every matched link left out, the others one inode, on 1-3 ranks as in treesync; rsync's where it runs"
