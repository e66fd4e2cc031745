#!/bin/bash
# --files-from over 2 and 3 ranks: rank 0 reads the list (a file, or its
# stdin -- the only rank that has one under mpirun), the others take it
# by broadcast, and the selected directories are spread by stealing.
# For a list naming files, "dir/" contents, directories and paths deep
# in the tree (without -r and with it, --delete, --from0, from stdin,
# and a listed path that does not exist):
# the tree, the sorted -i lines, the error lines and the exit code are
# plain treesync's on every rank, the tree and exit code rsync's
# (without the error: after one treesync replaces and removes nothing),
# a dry run's lines the same bytes in the same order on 1-4 ranks, and
# ranks other than 0 did part of the work; a listing error on rank 1
# alone deletes nothing (exit 23).  (Before, --files-from was refused on
# more than one rank; a rank that did not know the list, or a task that
# lost its list when stolen, copies the whole directory or nothing.)
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "treesync-mpi --files-from over the ranks"
tsm_setup
# Paths deep in the tree and wide directories, for the list to pick from.
python3 - "$B/src" <<'PY'
import os, sys
src = sys.argv[1]
for w in range(6):
    for x in range(4):
        d = os.path.join(src, "wide/w%d/x%d" % (w, x))
        os.makedirs(d)
        for i in range(3):
            with open(os.path.join(d, "g%d" % i), "w") as f:
                f.write("%s %d\n" % (d, i) * (i + 1))
deep = os.path.join(src, "deep/a/b/c/d/e")
os.makedirs(deep)
for n in ("f1.txt", "f2.txt"):
    with open(os.path.join(deep, n), "w") as f:
        f.write(n + "\n")
os.makedirs(os.path.join(src, "deep/a/side"))
for dirpath, dirs, files in os.walk(src, topdown=False):
    os.utime(dirpath, (1599990000, 1599990000), follow_symlinks=False)
PY
LIST=$T/list
printf '%s\n' d0/f1.txt d1/d2/d0/f2.txt d2/ d0/d1 wide \
	deep/a/b/c/d/e/f1.txt ./deep/a/side d1/d1/ >"$LIST"
tr '\n' '\0' <"$LIST" >"$T/list0"
cp "$LIST" "$T/list.missing"
echo "d1/no/such/file" >>"$T/list.missing"

# check NAME KIND EXPECT LISTARGS...: treesync, rsync and treesync-mpi on
# $NPS ranks (default 2 and 3) with -a -i LISTARGS, DEST reset to KIND
# each time.
check() {
	local name=$1 kind=$2 expect=$3 np ref rsync_tree
	shift 3
	reset_dst "$kind"
	"$TREESYNC" -a -i "$@" "$B/src/" "$B/dst/" <"$LIST" >"$T/ref.out" 2>&1
	rc=$?
	[ "$rc" = "$expect" ] || { note_file "$T/ref.out"; fail "$name: treesync exited $rc, not $expect"; }
	ref=$(tree_state "$B/dst")
	items "$T/ref.out" >"$T/ref.items"
	others "$T/ref.out" >"$T/ref.others"
	[ -s "$T/ref.items" ] || fail "$name: treesync itemized nothing"
	reset_dst "$kind"
	rsync -a "$@" "$B/src/" "$B/dst/" <"$LIST" >"$T/rsync.out" 2>&1
	rc=$?
	[ "$rc" = "$expect" ] || { note_file "$T/rsync.out"; fail "$name: rsync exited $rc, not $expect"; }
	rsync_tree=$(tree_state "$B/dst")
	# After an error treesync removes and replaces nothing (README,
	# deliberate differences); rsync goes on.
	[ "$expect" != 0 ] || [ "$rsync_tree" = "$ref" ] || {
		diff <(echo "$ref") <(echo "$rsync_tree") | head -10 | sed 's/^/    /'
		fail "$name: rsync's tree is not treesync's"
	}
	for np in ${NPS:-2 3}; do
		prepare_dst() { reset_dst "$kind"; }
		MPI_STDIN=$LIST until_rank1 stolen "$np" -i "$@" -a
		[ "$MPI_RC" = "$expect" ] || { note_file "$T/mpi.out" 40; fail "$name, $np ranks: exit $MPI_RC, not $expect"; }
		same_codes "$np" "$expect"
		as_ref "$name, $np ranks" "$ref"
		note "$name, $np ranks: as treesync ($(wc -l <"$T/ref.items") lines), rank 1 stole $(rank_stat 1 stolen) tasks"
	done
}

check "no -r" empty 0 --files-from="$LIST"
check "-r --delete" tmpl 0 -r --delete --files-from="$LIST"
grep -q '^\*deleting' "$T/ref.items" || fail "-r --delete: the reference deleted nothing"
NPS=3 check "stdin" tmpl 0 -r --files-from=-
NPS=2 check "--from0" empty 0 -r --from0 --files-from="$T/list0"
NPS=2 check "missing path" tmpl 23 -r --delete --files-from="$T/list.missing"
grep -q "cannot stat listed source 'd1/no/such/file'" "$T/ref.others" ||
	fail "missing path: treesync did not say the listed path"
grep -q 'deleting' "$T/ref.items" && fail "missing path: treesync deleted"

# A listing error on rank 1 only (its source mount fails every getdents,
# so no directory it steals is read): nothing is deleted
# on any rank -- what one treesync would delete stays -- and every rank
# exits 23, as one process after a read error.
reset_dst tmpl
"$TREESYNC" -a -n -i -r --delete --files-from="$LIST" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
	fail "fault: treesync -n exited $?"
sed -n 's/^\*deleting  *//p' "$T/ref.out" >"$T/ref.gone"
[ -s "$T/ref.gone" ] || fail "fault: treesync would delete nothing"
prepare_dst() { reset_dst tmpl; }
SIMHOST_OPTS="-R 1:$M/src:readdir_eio=/" until_rank1 dirs_stolen 2 \
	-a -i -r --delete --files-from="$LIST"
[ "$MPI_RC" = 23 ] || { note_file "$T/mpi.out" 40; fail "fault: exit $MPI_RC, not 23"; }
same_codes 2 23
grep -q '^\*deleting' "$T/mpi.out" && fail "fault: deletions were itemized"
while IFS= read -r p; do
	[ -e "$B/dst/$p" ] || fail "fault: $p was deleted after a listing error on rank 1"
done <"$T/ref.gone"
note "fault on rank 1: exit 23 on both ranks; kept what one treesync deletes ($(wc -l <"$T/ref.gone") entries)"

# A dry run: the same bytes in the same order on 1-4 ranks.
reset_dst tmpl
"$TREESYNC" -a -i -n -r --delete --files-from="$LIST" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
	fail "dry run: treesync exited $?"
for np in 1 2 3 4; do
	run "$np" -a -i -n -r --delete --files-from="$LIST"
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "dry run, $np ranks: exit $MPI_RC"; }
	same_output "dry run, $np ranks" "$T/ref.out"
done
[ "$(tree_state "$B/dst")" = "$(tree_state "$T/tmpl")" ] || fail "a dry run changed DEST"
pass "2 and 3 ranks: --files-from (file, stdin, --from0; -r or not; --delete; a missing path) as treesync and rsync, work spread; a listing error on rank 1 deletes nothing; dry run the same bytes on 1-4 ranks"
