#!/bin/bash
# -H on 1, 2, 3 and 4 simulated hosts (each rank its own FUSE mounts, so
# its own device numbers: t0100): hard-link groups whose links lie in many
# directories, and so are listed by several ranks, stay one inode.  For an
# initial copy, a resync whose old DEST has the groups broken into copies
# (a group half linked already, directories where two links go), a no-op
# resync and a dry run:
#  - the tree (contents, modes, times of files and directories) is plain
#    `treesync -aH`'s, and the inode groups are its and rsync's;
#  - the sorted -i lines are rsync -aH's, 'hf' lines included (the first
#    link of a group is the one rsync chooses: ranks agree on it); plain
#    treesync's but for the lines about the links of a group (which link
#    it copies follows its walk order, README);
#  - a dry run's lines are the same bytes, in the same order, for any
#    number of ranks;
#  - with several ranks, groups really spanned ranks (first links made
#    on one rank with other links held on another).
# A link whose other link lies outside the source is copied alone.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "-H across ranks: groups stay one inode, rsync's and treesync's lines"

LFS=latency_us=200,timeout=0
tsm_setup
mkdir -p "$T/outside"
python3 - "$B/src" "$T/tmpl" "$T/outside" <<'PY'
import os, sys
src, tmpl, outside = sys.argv[1:4]
t0 = 1600000000
rel = lambda d: os.path.relpath(d, src)
# Directories that the old DEST has as directories too; not the empty one.
dirs = sorted(d for d, _, _ in os.walk(src)
              if os.path.isdir(os.path.join(tmpl, rel(d))) and
              not d.endswith("/empty"))
for g in range(36):
    # One group: a file and 1-4 more links, in directories far apart.
    home = dirs[(g * 7) % len(dirs)]
    first = os.path.join(home, "hl%d" % g)
    with open(first, "w") as f:
        f.write(("group %d\n" % g) * (g * 37 + 1))
    os.utime(first, (t0 + g, t0 + g))
    for j in range(1 + g % 4):
        d = dirs[(g * 11 + j * 13 + 5) % len(dirs)]
        n = os.path.join(d, "hl%d-%d" % (g, j))
        os.link(first, n)
# A link whose other link is not in the source.
os.link(os.path.join(src, "d1/d0/f2.txt"), os.path.join(outside, "f2-elsewhere"))
# The old DEST: groups broken into separate copies, one group linked in
# part (its first two links share an inode, the others are copies).
for d in dirs:
    for n in sorted(os.listdir(d)):
        if not n.startswith("hl"):
            continue
        p = os.path.join(d, n)
        q = os.path.join(tmpl, rel(d), n)
        os.makedirs(os.path.dirname(q), exist_ok=True)
        with open(p, "rb") as f, open(q, "wb") as o:
            o.write(f.read())
        st = os.stat(p)
        os.utime(q, (st.st_mtime, st.st_mtime))
g5 = sorted(os.path.join(rel(d), n) for d in dirs for n in os.listdir(d)
            if n == "hl5" or n.startswith("hl5-"))
os.remove(os.path.join(tmpl, g5[1]))
os.link(os.path.join(tmpl, g5[0]), os.path.join(tmpl, g5[1]))
# Directories where two links of a group go (the gate replaces them after
# the walk).
for g in (9, 14):
    gg = sorted(os.path.join(rel(d), n) for d in dirs for n in os.listdir(d)
                if n == "hl%d" % g or n.startswith("hl%d-" % g))
    os.remove(os.path.join(tmpl, gg[-1]))
    os.makedirs(os.path.join(tmpl, gg[-1], "sub"))
    with open(os.path.join(tmpl, gg[-1], "sub", "junk"), "w") as f:
        f.write("in the way\n")
for root in (src, tmpl):
    for dirpath, _, _ in os.walk(root, topdown=False):
        os.utime(dirpath, (t0 - 50, t0 - 50 - len(dirpath)), follow_symlinks=False)
PY

# The sorted -i lines of FILE with the links of a group not told apart: a
# '>f' or 'hf' line about a name in one of the source groups (tree DIR is
# "link" (which link plain treesync copies, and so which ones of a DEST
# whose groups were broken it links again, follows its walk: README).
unpointed() {
	items "$1" | awk -v list=<(groups "$2" | tr ' ' '\n' | sed -n 's|^\./||p') '
		BEGIN { while ((getline n < list) > 0) g[n] = 1 }
		/^[>h]f/ { sub(/ => .*/, ""); if (($2) in g) next }
		{ print }' | sort
}

# The references: rsync and plain treesync on the backing directories.
declare -A REF_TREE REF_GROUPS
ref() {
	local name=$1 kind=$2
	shift 2
	reset_dst "$kind"
	rsync "$@" "$B/src/" "$B/dst/" >"$T/rs.out" 2>&1 ||
		{ note_file "$T/rs.out"; fail "rsync $* exited $?"; }
	items "$T/rs.out" | sort >"$T/rs.$name.items"
	REF_GROUPS[$name]=$(groups "$B/dst")
	reset_dst "$kind"
	"$TREESYNC" "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "treesync $* exited $?"; }
	REF_TREE[$name]=$(tree_state "$B/dst")
	[ "$(groups "$B/dst")" = "${REF_GROUPS[$name]}" ] ||
		fail "$name: plain treesync's inode groups are not rsync's"
	unpointed "$T/ref.out" "$B/src" >"$T/ref.$name.unpointed"
}
ref initial empty -a -i -H
ref resync tmpl -a -i -H --delete
ref dryrun tmpl -a -i -H -n --delete
ngroups=$(echo "${REF_GROUPS[initial]}" | wc -l)
[ "$ngroups" -ge 36 ] || fail "the reference has $ngroups groups, not 36"
[ "$(grep -c '^hf' "$T/rs.resync.items")" -ge 40 ] || fail "rsync's resync relinked too little"

spanning=0
for np in ${T0290_NPS:-1 2 3 4}; do
	for sc in initial resync noop dryrun; do
		case $sc in
		initial) reset_dst empty; args=(-a -i -H) ;;
		resync) reset_dst tmpl; args=(-a -i -H --delete) ;;
		noop) args=(-a -i -H --delete) ;;	# on resync's result
		dryrun) reset_dst tmpl; args=(-a -i -H -n --delete) ;;
		esac
		run "$np" "${args[@]}"
		[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 60; fail "$np ranks, $sc: exit $MPI_RC"; }
		ref=$sc
		[ "$sc" = noop ] && ref=resync
		got=$(tree_state "$B/dst")
		[ "$got" = "${REF_TREE[$ref]}" ] || {
			diff <(echo "${REF_TREE[$ref]}") <(echo "$got") | head -20 | sed 's/^/    /'
			fail "$np ranks, $sc: the tree differs from treesync's"
		}
		[ "$(groups "$B/dst")" = "${REF_GROUPS[$ref]}" ] || {
			diff <(echo "${REF_GROUPS[$ref]}") <(groups "$B/dst") | head -10 | sed 's/^/    /'
			fail "$np ranks, $sc: the inode groups are not rsync's and treesync's"
		}
		if [ "$sc" = noop ]; then
			[ -z "$(items "$T/mpi.out")" ] || { items "$T/mpi.out" | head; fail "$np ranks: a no-op resync itemized changes"; }
			continue
		fi
		items "$T/mpi.out" | diff "$T/rs.$sc.items" - >"$T/items.diff" || {
			note_file "$T/items.diff" 20
			fail "$np ranks, $sc: the sorted -i lines are not rsync's"
		}
		unpointed "$T/mpi.out" "$B/src" | diff "$T/ref.$sc.unpointed" - >"$T/items.diff" || {
			note_file "$T/items.diff" 20
			fail "$np ranks, $sc: the sorted -i lines are not treesync's"
		}
		if [ "$sc" = dryrun ]; then
			raw=$(grep -E '^[.<>ch*][fdLDS ]|^\*deleting' "$T/mpi.out")
			if [ "$np" = 1 ]; then
				echo "$raw" >"$T/dryrun.raw1"
			else
				echo "$raw" | cmp -s "$T/dryrun.raw1" - ||
					fail "$np ranks, dry run: not the bytes of 1 rank, in its order"
			fi
		fi
		if [ "$np" -gt 1 ] && [ "$sc" = initial ]; then
			s=$(cat "$T"/spread.rank* | awk '{ for (i = 1; i < NF; i++) if ($i == "links_spanning") s += $(i + 1) } END { print s + 0 }')
			h=$(for f in "$T"/spread.rank*; do rank_stat "${f##*rank}" links_held; done | tr '\n' ' ')
			note "$np ranks, initial copy: links held per rank: $h; groups spanning ranks: $s"
			[ "$s" -gt 0 ] && spanning=$((spanning + 1))
		fi
	done
	note "$np ranks: initial, resync, no-op, dry run: treesync's tree, rsync's groups and lines"
done
[ "$spanning" = 3 ] || fail "no group spanned ranks in $((3 - spanning)) of 3 runs"
pass "1-4 ranks: $ngroups groups one inode each, trees as treesync's, -i lines as rsync's; groups spanned ranks"
