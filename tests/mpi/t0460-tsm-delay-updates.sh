#!/bin/bash
# --delay-updates on 2 and 3 simulated hosts:
#  - an initial copy and a resync (changed, missing, extraneous and
#    retyped entries, --delete) with the work spread: the tree (directory
#    times included: a directory's files may be staged by several ranks)
#    and the sorted -i lines are plain treesync's, no staging dir left;
#  - with -H, groups whose links lie in several directories: plain
#    treesync's tree and inode groups, rsync's -i lines;
#  - rank 1 stopped by SIGTERM once files are staged (5 ms a request, so
#    the walk is still going): exit 20 on every rank, and no file of the
#    run at a final name on any rank -- the staged ones wait in .~tmp~.
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "--delay-updates across ranks"
LFS=latency_us=300,timeout=0
tsm_setup
python3 - "$B/src" <<'PY'
import os, sys
src = sys.argv[1]
t0 = 1600000000
# Not in d2/d0/now_dir, which the old DEST has as a file: a link the gate
# makes there after the walk is a copy of its own on a rank that held no
# other link of its group (docs/mpi.md), with or without --delay-updates.
dirs = sorted(d for d, _, _ in os.walk(src)
              if not d.endswith("empty") and not d.endswith("now_dir"))
for g in range(8):
    first = os.path.join(dirs[(g * 7) % len(dirs)], "hl%d" % g)
    with open(first, "w") as f:
        f.write("group %d\n" % g * (g + 1))
    os.utime(first, (t0 + g, t0 + g))
    for j in range(2):
        os.link(first, os.path.join(dirs[(g * 11 + j * 13 + 5) % len(dirs)],
                                    "hl%d-%d" % (g, j)))
for dirpath, _, _ in os.walk(src, topdown=False):
    os.utime(dirpath, (t0 - 50, t0 - 50 - len(dirpath)), follow_symlinks=False)
PY

# ref NAME KIND TOOL ARGS...: TOOL's tree, groups and lines on DEST KIND.
ref() {
	local name=$1 kind=$2 tool=$3
	shift 3
	reset_dst "$kind"
	"$tool" "$@" "$B/src/" "$B/dst/" >"$T/ref.out" 2>&1 ||
		{ note_file "$T/ref.out"; fail "$tool $* exited $?"; }
	items "$T/ref.out" >"$T/ref.$name.items"
	tree_state "$B/dst" >"$T/ref.$name.tree"
	groups "$B/dst" >"$T/ref.$name.groups"
}
ref initial empty "$TREESYNC" -ai --delay-updates
ref resync tmpl "$TREESYNC" -ai --delete --delay-updates
ref hlink tmpl "$TREESYNC" -aiH --delete --delay-updates
ref hlink-rs tmpl rsync -aiH --delete --delay-updates
[ "$(wc -l <"$T/ref.hlink.groups")" = 8 ] || fail "the reference has not 8 groups"
cmp -s "$T/ref.hlink.groups" "$T/ref.hlink-rs.groups" || fail "rsync's groups are not treesync's"

# check NP NAME: the last run matched reference NAME (lines: REF's).
check() {
	local np=$1 name=$2 lines=${3:-$2}
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 60; fail "$np ranks, $name: exit $MPI_RC"; }
	tree_state "$B/dst" | diff "$T/ref.$name.tree" - >"$T/diff" ||
		{ note_file "$T/diff"; fail "$np ranks, $name: the tree is not plain treesync's"; }
	groups "$B/dst" | diff "$T/ref.$name.groups" - >"$T/diff" ||
		{ note_file "$T/diff"; fail "$np ranks, $name: the inode groups are not plain treesync's"; }
	items "$T/mpi.out" | diff "$T/ref.$lines.items" - >"$T/diff" ||
		{ note_file "$T/diff"; fail "$np ranks, $name: the -i lines are not $lines's"; }
	[ -z "$(find "$B/dst" -name '.~tmp~')" ] || fail "$np ranks, $name: a staging dir is left"
}

for np in 2 3; do
	reset_dst empty
	run "$np" -ai --delay-updates
	check "$np" initial
	note "$np ranks, initial: tasks stolen by ranks 1..: $(stolen_by_others)"
	reset_dst tmpl
	run "$np" -ai --delete --delay-updates
	check "$np" resync
	reset_dst tmpl
	run "$np" -aiH --delete --delay-updates
	check "$np" hlink hlink-rs
	note "$np ranks, -H: links held $(rank_stat 0 links_held) $(rank_stat 1 links_held), spanning $(rank_stat 0 links_spanning)"
done

# SIGTERM to rank 1 once a file is staged anywhere.
cat >"$T/term.sh" <<'TERM'
#!/bin/bash
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
	"$@" &
	pid=$!
	for i in $(seq 400); do
		[ -n "$(find "$WATCH" -path '*/.~tmp~/*' -type f 2>/dev/null | head -1)" ] && break
		sleep 0.02
	done
	kill -0 "$pid" 2>/dev/null && echo sent >"$MARK"
	kill -TERM "$pid"
	wait "$pid"
	exit $?
fi
exec "$@"
TERM
chmod +x "$T/term.sh"
LFS=latency_us=5000,timeout=0
reset_dst empty
rm -f "$T/sent"
WATCH=$B/dst MARK=$T/sent mpi 3 "$MPI_DIR/simhost.sh" -m "$B/src:$M/src:$LFS" \
	-m "$B/dst:$M/dst:$LFS" -- "$T/term.sh" "$TREESYNC_MPI_BIN" -j 2 -ai --delay-updates \
	"$M/src/" "$M/dst/"
[ -e "$T/sent" ] || { note_file "$T/mpi.out"; fail "the run ended before rank 1 could be stopped (exit $MPI_RC)"; }
[ "$MPI_RC" = 20 ] || { note_file "$T/mpi.out"; fail "rank 1 stopped: exit $MPI_RC, not 20"; }
placed=$(find "$B/dst" -type f -not -path '*/.~tmp~/*' | wc -l)
staged=$(find "$B/dst" -type f -path '*/.~tmp~/*' | wc -l)
note "rank 1 stopped: exit $MPI_RC, $staged files staged, $placed at final names"
[ "$placed" = 0 ] || fail "rank 1 stopped: $placed files were put in place"
[ "$staged" -gt 0 ] || fail "rank 1 stopped: nothing was staged"
pass "2 and 3 ranks: plain treesync's trees and lines (-H: rsync's lines); a rank stopped: nothing in place"
