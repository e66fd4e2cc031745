#!/bin/bash
# -H across ranks, links below a directory that the gate replaces after
# the walk (DEST has a file there): those links are met only after the
# -H exchange, on the rank that walked the directory's parent, which may
# hold no other link of their groups.  They must still be linked to their
# group's first link (made on another rank), not copied on their own.
#
# 24 directories k00..k23, each with files f0-f2; k_i/r/ (a file in DEST)
# holds a link to k_(i+7)/f0 and k_i/r/sub/ one to k_(i+13)/f1; r/ at the
# top (a file in DEST) one to every k_i/f2.  On 2 and 3 simulated hosts,
# each run repeated until rank 1 held links (so some directory replaced on
# one rank has its groups' first links on another):
#  - DEST holding up-to-date copies of the f files (separate inodes): the
#    tree, the sorted -i lines and the exit code are plain treesync -aHi's,
#    the lines rsync -aHi's, the inode groups the source's;
#  - DEST without them: plain treesync's tree, lines and groups;
#  - a dry run over the first: plain treesync's lines.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "-H across ranks: links below a directory replaced after the walk"

B=$T/b M=$T/m
LFS=latency_us=300,timeout=0
mkdir -p "$B/src" "$B/dst" "$M/src" "$M/dst" "$T/old" "$T/bare"
python3 - "$B/src" "$T/old" "$T/bare" <<'PY'
import os, shutil, sys
src, old, bare = sys.argv[1:4]
t0 = 1600000000
n = 24
k = lambda i: "k%02d" % (i % n)
for i in range(n):
    for root in (src, old, bare):
        os.makedirs(os.path.join(root, k(i)), exist_ok=True)
    for j in range(3):
        p = os.path.join(src, k(i), "f%d" % j)
        with open(p, "w") as f:
            f.write(("%s f%d\n" % (k(i), j)) * (i * 10 + j + 1))
        os.utime(p, (t0 + i, t0 + i))
        shutil.copy2(p, os.path.join(old, k(i), "f%d" % j))
os.makedirs(os.path.join(src, "r"))
for i in range(n):
    os.makedirs(os.path.join(src, k(i), "r", "sub"))
    os.link(os.path.join(src, k(i + 7), "f0"), os.path.join(src, k(i), "r", "n"))
    os.link(os.path.join(src, k(i + 13), "f1"),
            os.path.join(src, k(i), "r", "sub", "m"))
    os.link(os.path.join(src, k(i), "f2"), os.path.join(src, "r", k(i) + "-f2"))
    # In both DESTs: a file where the source has the directory r.
    for root in (old, bare):
        with open(os.path.join(root, k(i), "r"), "w") as f:
            f.write("a file in the way\n")
for root in (old, bare):
    with open(os.path.join(root, "r"), "w") as f:
        f.write("a file in the way\n")
for root in (src, old, bare):
    for dirpath, _, _ in os.walk(root, topdown=False):
        os.utime(dirpath, (t0 - 50, t0 - 50 - len(dirpath)), follow_symlinks=False)
PY
groups "$B/src" >"$T/want.groups"
[ "$(wc -l <"$T/want.groups")" = 72 ] || fail "the source has $(wc -l <"$T/want.groups") groups, not 72"

# The references on the backing directories: plain treesync (and rsync).
declare -A REF_TREE REF_RC
ref() {
	local name=$1 kind=$2
	shift 2
	rm -rf "$B/dst" && cp -a "$T/$kind" "$B/dst"
	"$TREESYNC" "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1
	REF_RC[$name]=$?
	REF_TREE[$name]=$(tree_state "$B/dst")
	items "$T/ref.out" >"$T/ref.$name.items"
	[ "$name" = dry ] || groups "$B/dst" | diff -u "$T/want.groups" - >"$T/diff" ||
		{ note_file "$T/diff"; fail "$name: plain treesync's inode groups are not the source's"; }
}
ref old old -aHi
ref bare bare -aHi
ref dry old -aHi -n
rm -rf "$B/dst" && cp -a "$T/old" "$B/dst"
rsync -aHi "$B/src/" "$B/dst/" >"$T/rs.out" 2>&1 || { note_file "$T/rs.out"; fail "rsync exited $?"; }
items "$T/rs.out" >"$T/rs.items"
diff -u "$T/rs.items" "$T/ref.old.items" >"$T/diff" ||
	{ note_file "$T/diff"; fail "plain treesync's lines are not rsync's over the old DEST"; }
[ "$(grep -c '^hf' "$T/rs.items")" = 72 ] || fail "rsync linked $(grep -c '^hf' "$T/rs.items") names, not 72"

for np in 2 3; do
	for sc in old bare dry; do
		kind=$sc args=(-aHi)
		[ $sc = dry ] && kind=old args=(-aHi -n)
		prepare_dst() { rm -rf "$B/dst" && cp -a "$T/$kind" "$B/dst"; }
		UNTIL_TRIES=4 until_rank1 links_held "$np" "${args[@]}"
		what="$np ranks, $sc DEST (links held: $(rank_stat 0 links_held) $(rank_stat 1 links_held) $(rank_stat 2 links_held))"
		[ "$(rank_codes)" = "$(printf "${REF_RC[$sc]} %.0s" $(seq "$np") | sed 's/ $//')" ] ||
			{ note_file "$T/mpi.out"; fail "$what: the ranks exited $(rank_codes), treesync ${REF_RC[$sc]}"; }
		[ "$(tree_state "$B/dst")" = "${REF_TREE[$sc]}" ] || {
			diff <(echo "${REF_TREE[$sc]}") <(tree_state "$B/dst") | head -10 | sed 's/^/    /'
			fail "$what: the tree differs from treesync's"
		}
		[ $sc = dry ] || groups "$B/dst" | diff -u "$T/want.groups" - >"$T/diff" ||
			{ note_file "$T/diff"; fail "$what: the inode groups are not the source's"; }
		items "$T/mpi.out" | diff -u "$T/ref.$sc.items" - >"$T/diff" ||
			{ note_file "$T/diff"; fail "$what: the sorted -i lines are not treesync's"; }
		note "$what: treesync's tree, groups and lines"
	done
done
pass "2 and 3 ranks: links below replaced directories stay linked (72 groups), treesync's and rsync's lines"
