#!/bin/bash
# -m (--prune-empty-dirs) over 2 and 3 ranks: with --exclude '*.tmp',
# whole subtrees hold nothing but excluded files and are not made, while
# the top directories are stolen by other ranks.  A directory whose
# parent is made may be stolen; the thief makes it only when something
# not a directory goes below it, and its DONE tells the origin whether
# it did and, if not, whether its DEST counterpart may go: with
# --delete an existing DEST directory that was pruned is deleted by the
# rank that owns its parent, as one process deletes it.  Directories
# holding only directories (nest*) are not made until a file below keeps
# them; their children stay on their rank until then.  The tree, the
# sorted -i lines, the other lines and the exit code are plain
# treesync's on every rank, the tree rsync's; a dry run's output is the
# same bytes on 1-4 ranks; rank 1 stole directories.  Also with
# --files-from (a list of kept, pruned and nested directories).
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "treesync-mpi -m over the ranks"
tsm_setup
rm -rf "$B/src" "$T/tmpl"
mkdir -p "$B/src" "$T/tmpl"
python3 - "$B/src" "$T/tmpl" <<'PY'
import os, sys
src, tmpl = sys.argv[1], sys.argv[2]
def put(root, p, text="x\n"):
    p = os.path.join(root, p)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
for t in range(6):
    # kept: files at several depths
    put(src, "keep%d/top.txt" % t, "keep %d\n" % t)
    for a in range(3):
        put(src, "keep%d/a%d/b/f.txt" % (t, a), "f %d %d\n" % (t, a))
        put(src, "keep%d/a%d/b/junk.tmp" % (t, a))
        put(src, "keep%d/a%d/only-tmp/c/d.tmp" % (t, a))
    # nested: a directory of directories, each with files
    for m in range(3):
        put(src, "nest%d/m%d/g.txt" % (t, m), "g %d %d\n" % (t, m))
        put(src, "nest%d/m%d/deeper/h.tmp" % (t, m))
    # gone: nothing but excluded files, whole subtrees
    for x in range(3):
        put(src, "gone%d/x%d/y/z/only.tmp" % (t, x))
        put(src, "gone%d/x%d/w/junk.tmp" % (t, x))
        os.makedirs(os.path.join(src, "gone%d/x%d/empty" % (t, x)))
# The old DEST: a copy of some kept directories, and gone* and
# keep*/a*/only-tmp directories that exist (with files not excluded).
for t in range(6):
    put(tmpl, "keep%d/top.txt" % t, "old\n")
    put(tmpl, "keep%d/a0/only-tmp/c/old.txt" % t)
    if t % 2 == 0:
        put(tmpl, "gone%d/x0/y/old.txt" % t)
        put(tmpl, "gone%d/x1/stale.txt" % t)
for root in (src, tmpl):
    for dirpath, dirs, files in os.walk(root, topdown=False):
        for n in files:
            os.utime(os.path.join(dirpath, n), (1600000000, 1600000000))
        os.utime(dirpath, (1599990000, 1599990000))
PY

# check NAME KIND ARGS...: treesync, rsync and treesync-mpi on 2 and 3
# ranks with -a -i -m --exclude '*.tmp' ARGS, DEST reset to KIND.
check() {
	local name=$1 kind=$2 np ref
	shift 2
	reset_dst "$kind"
	"$TREESYNC" -a -i -m --exclude '*.tmp' "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "$name: treesync exited $?"; }
	ref=$(tree_state "$B/dst")
	items "$T/ref.out" >"$T/ref.items"
	others "$T/ref.out" >"$T/ref.others"
	# (--files-from: DEST's gone* may stay, outside the listed paths)
	[ -n "${LISTED:-}" ] || ! grep -q 'gone' <(echo "$ref") ||
		fail "$name: treesync made a gone* directory"
	reset_dst "$kind"
	rsync -a -m --exclude '*.tmp' "$@" "$B/src/" "$B/dst/" >"$T/rsync.out" 2>&1 ||
		{ note_file "$T/rsync.out"; fail "$name: rsync exited $?"; }
	[ "$(tree_state "$B/dst")" = "$ref" ] || {
		diff <(echo "$ref") <(tree_state "$B/dst") | head -10 | sed 's/^/    /'
		fail "$name: rsync's tree is not treesync's"
	}
	for np in 2 3; do
		prepare_dst() { reset_dst "$kind"; }
		until_rank1 dirs_stolen "$np" -i -m --exclude '*.tmp' "$@" -a
		[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "$name, $np ranks: exit $MPI_RC"; }
		same_codes "$np" 0
		as_ref "$name, $np ranks" "$ref"
		note "$name, $np ranks: as treesync ($(wc -l <"$T/ref.items") lines), rank 1 stole $(rank_stat 1 dirs_stolen) directories"
	done
}

check "initial copy" empty
check "--delete" tmpl --delete
grep -q '^\*deleting *gone0/$' "$T/ref.items" || fail "--delete: the reference did not delete gone0/"
# -m with --files-from: listed directories kept, pruned and holding only
# directories, a "dir/", paths deep in kept and pruned subtrees; the
# list shared by broadcast, stolen directories below partly selected
# ones.
printf '%s\n' ./keep0 gone0 nest1/ keep2/a1/b/f.txt gone2/x0/y keep3/a2 \
	nest4/m1/deeper gone4/x2 >"$T/mlist"
LISTED=1 check "--files-from -r --delete" tmpl -r --delete --files-from="$T/mlist"
grep -q '^cd+++++++++ *keep2/a1/b/$' "$T/ref.items" && ! grep -q 'gone2/x0' "$T/ref.items" ||
	fail "--files-from: the reference did not make keep2/a1/b/ or made gone2/x0"

# A dry run: the same bytes in the same order on 1-4 ranks.
reset_dst tmpl
"$TREESYNC" -a -i -n -m --exclude '*.tmp' --delete "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
	fail "dry run: treesync exited $?"
for np in 1 2 3 4; do
	run "$np" -a -i -n -m --exclude '*.tmp' --delete
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "dry run, $np ranks: exit $MPI_RC"; }
	same_output "dry run, $np ranks" "$T/ref.out"
done
[ "$(tree_state "$B/dst")" = "$(tree_state "$T/tmpl")" ] || fail "a dry run changed DEST"
pass "2 and 3 ranks: -m with subtrees emptied by excludes, with and without --delete, as treesync and rsync, work spread; dry run the same bytes on 1-4 ranks"
