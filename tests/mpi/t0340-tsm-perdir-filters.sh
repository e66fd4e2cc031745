#!/bin/bash
# Per-directory filter rules (-F, dir-merge) on several ranks: a directory
# task stolen by another rank evaluates its entries with the rules its
# parent had -- every ancestor's merge file, inherited or not ('n'),
# cleared ('!'), exclude-self ('e'), a merge file that defines another
# dir-merge file, rules anchored in the directory that holds them -- which
# the thief rebuilds from its own roots.  On 2 and 3 simulated hosts, with
# rank 1 stealing, the tree, the sorted -i lines and the exit code are
# plain treesync's (and its tree and lines are rsync's) for -F, for
# --filter='dir-merge .f' with 'e', for --delete with a protect rule and
# for --delete-excluded; a dry run's lines are treesync's byte for byte.
# A thief that took the root's rules alone (no ancestor's files) copies
# what the merge files exclude, deletes what they protect: this fails.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "treesync-mpi, per-directory filter rules on 2 and 3 ranks"
tsm_setup

# The rule files, the same in the source and in the old DEST (rsync reads
# them from DEST for deletion), and what they act on.
python3 - "$B/src" "$T/tmpl" <<'PY'
import os, sys
files = {
    # -F's files.  The root's defines two more: .inner (inherited; a
    # thief's parent scan for /.rsync-filter alone would not read the
    # root's) and .local (no-inherit).
    ".rsync-filter": ":n .local\n: .inner\n+ keep.tmp\n- *.tmp\nP *.precious\n",
    ".inner": "- *.skip\n",
    "d0/.rsync-filter": "- f2.txt\n",          # inherited below d0
    "d0/d1/.rsync-filter": "+ f2.txt\n",       # and overridden here
    "d1/.rsync-filter": "!\n- f0.txt\n",       # clears what came from above
    "d2/.rsync-filter": "- /d0/d1/\n",         # anchored: d2/d0/d1 only
    "d0/.local": "- f1.txt\n",                 # d0 only ('n')
    "d1/d1/.local": "- f3.txt\n",              # d1/d1 only
    # dir-merge .f's files ('e': they are not copied themselves).
    ".f": "- f3.txt\n",
    "d0/d0/.f": "+ f3.txt\n- f0.txt\n",
    "d1/.f": "!\n- d2/\n",                     # d1/d2 and d1/*/d2 left out
    "d2/d1/.f": "- f1.txt\n",
}
extra = {
    "x.tmp": "t", "d0/d0/keep.tmp": "k", "d0/d0/d2/y.tmp": "t",
    "d1/d0/z.tmp": "t", "d2/d2/d0/w.tmp": "t",
}
for root in sys.argv[1:]:
    for p, text in list(files.items()) + (list(extra.items())
                                          if root == sys.argv[1] else []):
        with open(os.path.join(root, p), "w") as f:
            f.write(text)
        os.utime(os.path.join(root, p), (1600000000, 1600000000))
# One for the root's .inner in every directory.
for dirpath, dirs, fs in os.walk(sys.argv[1]):
    with open(os.path.join(dirpath, "s.skip"), "w") as f:
        f.write("s\n")
tmpl = sys.argv[2]
# Only in DEST: protected (P *.precious, inherited everywhere but d1),
# and what the rules exclude (kept by --delete, gone with
# --delete-excluded unless protected).
for p in ("d0/d1/old.precious", "d2/d0/d1/old.precious",
          "d1/d0/old.precious", "d2/d2/d2/stale.tmp", "d0/d2/f2.txt.tmp",
          "d1/d2/d0/gone.txt"):
    os.makedirs(os.path.dirname(os.path.join(tmpl, p)), exist_ok=True)
    with open(os.path.join(tmpl, p), "w") as f:
        f.write("old\n")
for root in sys.argv[1:]:
    for dirpath, dirs, fs in os.walk(root, topdown=False):
        os.utime(dirpath, (1599999950, 1599999900 - len(dirpath)),
                 follow_symlinks=False)
PY

# The tree, but for the time of d2/d0/d1: excluded, emptied by
# --delete-excluded but for its protected file, it keeps the time of
# that removal.
tstate() { tree_state "$1" | awk '$1 == "d2/d0/d1" { $4 = "-" } 1'; }
raw_items() { grep -E '^[.<>ch*][fdLDS ]|^\*deleting' "$1"; }
# ref NAME ARGS: plain treesync's tree, sorted lines, raw lines and exit
# code on the backing directories, from the old DEST; rsync's the same.
ref() {
	local name=$1 rc
	shift
	reset_dst tmpl
	"$TREESYNC" "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1
	rc=$?
	echo "$rc" >"$T/ref.$name.rc"
	tstate "$B/dst" >"$T/ref.$name.tree"
	items "$T/ref.out" >"$T/ref.$name.items"
	raw_items "$T/ref.out" >"$T/ref.$name.raw"
	reset_dst tmpl
	rsync "$@" "$B/src/" "$B/dst/" >"$T/rsync.out" 2>&1
	[ "$?" = "$rc" ] || { note_file "$T/rsync.out"; fail "$name: rsync exited $?, treesync $rc"; }
	tstate "$B/dst" | diff "$T/ref.$name.tree" - >"$T/d" ||
		{ note_file "$T/d" 20; fail "$name: treesync's tree is not rsync's"; }
	items "$T/rsync.out" | diff "$T/ref.$name.items" - >"$T/d" ||
		{ note_file "$T/d" 20; fail "$name: treesync's -i lines are not rsync's"; }
}

# What the rules must have done in plain treesync's tree (else the
# scenario tests nothing).
check_ref_F() {
	local t=$T/ref.$1.tree
	grep -q "^d0/d0/keep.tmp " "$t" || fail "-F: keep.tmp not copied"
	! grep -q "^d0/d0/d2/y.tmp \|^x.tmp " "$t" || fail "-F: *.tmp copied"
	grep -q "^d1/d0/z.tmp " "$t" || fail "-F: d1's '!' did not clear '- *.tmp'"
	! grep -q "^d0/d2/d1/f2.txt " "$t" || fail "-F: d0's '- f2.txt' not inherited"
	grep -q "^d0/d1/d0/f2.txt " "$t" || fail "-F: d0/d1's '+ f2.txt' not inherited"
	! grep -q "^d1/d2/d0/f0.txt " "$t" || fail "-F: d1's '- f0.txt' not inherited"
	! grep -q "^d2/d0/d1/f\\|^d2/d0/d1/d" "$t" || fail "-F: d2's anchored '- /d0/d1/' did not exclude"
	grep -q "^d2/d1/d0/f0.txt " "$t" || fail "-F: d2's anchored rule excluded too much"
	! grep -q "^d0/f1.txt " "$t" || fail "-F: d0/.local not read"
	! grep -v "^d1/" "$t" | grep -q "\.skip " || fail "-F: the root's .inner not inherited"
	# d1's '!' dropped the root's rules, ': .inner' with them.
	grep -q "^d1/d1/d0/s.skip " "$t" || fail "-F: .inner still read below d1"
	grep -q "^d0/d0/f1.txt " "$t" || fail "-F: .local inherited despite 'n'"
}

SCENARIOS="F_delete F_delx dm_delete dm_dry F_dry"
sc_args() {
	case $1 in
	F_delete) args=(-a -i -F --delete) ;;
	F_delx) args=(-a -i -F --delete --delete-excluded) ;;
	dm_delete) args=(-a -i "--filter=dir-merge,e .f" --delete) ;;
	dm_dry) args=(-a -i -n "--filter=dir-merge,e .f" --delete --delete-excluded) ;;
	F_dry) args=(-a -i -n -F --delete) ;;
	esac
}
for name in $SCENARIOS; do
	sc_args "$name"
	ref "$name" "${args[@]}"
done
check_ref_F F_delx
grep -q "deleting  *d2/d0/d1/f0.txt" "$T/ref.F_delx.items" ||
	fail "--delete-excluded did not delete what d2's rule excludes"
! grep -q "deleting  *d2/d0/d1/f0.txt" "$T/ref.F_delete.items" ||
	fail "--delete deleted what d2's rule excludes"
! grep -q "deleting  *d0/d1/old.precious\|deleting  *d2/d0/d1/old.precious" "$T/ref.F_delx.items" ||
	fail "P *.precious did not protect"
grep -q "deleting  *d1/d0/old.precious" "$T/ref.F_delete.items" ||
	fail "d1's '!' did not clear the protect rule"
x=$T/ref.dm_dry.items
grep -q "deleting  *d1/d2/d0/f0.txt" "$x" && grep -q "deleting  *d1/d0/d2/" "$x" ||
	fail "dir-merge .f: d1's '- d2/' not applied below d1"
grep -q "deleting  *d1/.f" "$x" || fail "dir-merge,e: .f not excluded"
grep -q "deleting  *d0/d1/d0/f3.txt" "$x" && ! grep -q "deleting  *d0/d0/d1/f3.txt" "$x" ||
	fail "dir-merge .f: d0/d0's '+ f3.txt' not inherited over the root's '- f3.txt'"

prepare_dst() { reset_dst tmpl; }
for np in 2 3; do
	sc=$SCENARIOS
	[ "$np" = 2 ] || sc="F_delx dm_dry"	# the time a test has
	for name in $sc; do
		sc_args "$name"
		until_rank1 dirs_stolen "$np" "${args[@]}"
		[ "$MPI_RC" = "$(cat "$T/ref.$name.rc")" ] ||
			{ note_file "$T/mpi.out" 40; fail "$np ranks, $name: exit $MPI_RC, treesync $(cat "$T/ref.$name.rc")"; }
		same_codes "$np" "$MPI_RC"
		tstate "$B/dst" | diff "$T/ref.$name.tree" - >"$T/d" ||
			{ note_file "$T/d" 20; fail "$np ranks, $name: the tree differs from treesync's"; }
		items "$T/mpi.out" | diff "$T/ref.$name.items" - >"$T/d" ||
			{ note_file "$T/d" 20; fail "$np ranks, $name: the -i lines differ from treesync's"; }
		case $name in *_dry)
			raw_items "$T/mpi.out" | cmp -s "$T/ref.$name.raw" - ||
				fail "$np ranks, $name: the dry run's lines are not treesync's, byte for byte"
		esac
		note "$np ranks, $name: exit $MPI_RC, rank 1 stole $(rank_stat 1 dirs_stolen) directories, $(rank_stat 1 batches_stolen) batches"
	done
done
# --files-from with a "/./" prefix: the transfer root is d2, a directory
# below the operand, whose .rsync-filter ('- /d0/d1/', anchored there)
# the root's push reads; a thief pushes it from there too.
printf 'd2/./d0\nd2/./d2\n' >"$T/list"
ff=(-a -r -i "--files-from=$T/list" "--filter=dir-merge .rsync-filter")
reset_dst empty
"$TREESYNC" "${ff[@]}" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 || { note_file "$T/ref.out"; fail "treesync --files-from exited $?"; }
# (DEST's own time is not the list's to set: when the run ended.)
ffstate() { tstate "$B/dst" | awk '$1 == "." { $4 = "-" } 1'; }
want=$(ffstate)
items "$T/ref.out" >"$T/ref.ff.items"
grep -q "^d0/d0/f0.txt " <<<"$want" && ! grep -q "^d0/d1/" <<<"$want" ||
	fail "--files-from: d2's '- /d0/d1/' not applied at the root"
prepare_dst() { reset_dst empty; }
until_rank1 dirs_stolen 2 "${ff[@]}"
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 40; fail "--files-from, 2 ranks: exit $MPI_RC"; }
ffstate | diff <(echo "$want") - >"$T/d" ||
	{ note_file "$T/d" 20; fail "--files-from, 2 ranks: the tree differs from treesync's"; }
items "$T/mpi.out" | diff "$T/ref.ff.items" - >"$T/d" ||
	{ note_file "$T/d" 20; fail "--files-from, 2 ranks: the -i lines differ from treesync's"; }
note "--files-from d2/./, 2 ranks: as treesync, rank 1 stole $(rank_stat 1 dirs_stolen) directories"

# A merge file that cannot be read (a FIFO) above the directories stolen:
# said once, by the rank that read it first (a thief that re-reads it
# for its rules knows it was said), exit 23, nothing deleted.
printf -- '- f3.txt\n' >"$B/src/.g"
for d in d0 d1 d2; do mkfifo "$B/src/$d/.g" || fail "mkfifo"; done
prepare_dst() { reset_dst tmpl; }
reset_dst tmpl
"$TREESYNC" -a -i --filter="dir-merge .g" --delete "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1
rc=$?
n=$(grep -c "cannot read merge file" "$T/ref.out")
[ "$rc" = 23 ] && [ "$n" = 3 ] || { note_file "$T/ref.out"; fail "treesync with unreadable merge files: exit $rc, $n messages"; }
want=$(tstate "$B/dst")
items "$T/ref.out" >"$T/ref.bad.items"
until_rank1 dirs_stolen 2 -a -i --filter="dir-merge .g" --delete
[ "$MPI_RC" = 23 ] || { note_file "$T/mpi.out" 40; fail "unreadable merge files, 2 ranks: exit $MPI_RC"; }
same_codes 2 23
[ "$(grep -c "cannot read merge file" "$T/mpi.out")" = 3 ] ||
	{ note_file "$T/mpi.out" 40; fail "unreadable merge files, 2 ranks: not said once each"; }
tstate "$B/dst" | diff <(echo "$want") - >"$T/d" ||
	{ note_file "$T/d" 20; fail "unreadable merge files, 2 ranks: the tree differs from treesync's"; }
items "$T/mpi.out" | diff "$T/ref.bad.items" - >"$T/d" ||
	{ note_file "$T/d" 20; fail "unreadable merge files, 2 ranks: the -i lines differ from treesync's"; }
note "unreadable merge files, 2 ranks: exit 23, each said once, rank 1 stole $(rank_stat 1 dirs_stolen) directories"
pass "2 and 3 ranks: -F, dir-merge with 'e', 'n', '!', --delete with P, --delete-excluded, dry runs as treesync and rsync; unreadable merge files said once"
