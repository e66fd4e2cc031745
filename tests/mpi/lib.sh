# shellcheck shell=bash
# Library of the MPI tests (tests/mpi): finding mpirun and the test
# programs, running N ranks on this machine, and the simulated hosts
# (simhost.sh: one mount namespace and one set of latencyfs mounts per
# rank).
#
# Source it from a test:   . "$(dirname "$0")/lib.sh"
#
# Environment:
#   MPIEXEC         mpirun to use (default: mpirun on PATH)
#   MPI_QUEUE_TEST  the test_mpi_queue program (default: build*/tests/mpi/)
#   LATENCYFS       latencyfs (default: build*/latencyfs)
#   TREESYNC_MPI_BIN  treesync-mpi (default: build*/src/mpi/treesync-mpi)
#   TREESYNC        treesync, to compare with (default: build*/treesync)
#   MPI_TIMEOUT     seconds allowed for one mpirun (default 120)
#   KEEP_TMP=1      keep the test's temp dir
#
# In a test:
#   $T                      the per-test temp dir
#   need_mpi                skip (77) without mpirun
#   need_queue_test         skip (77) without the test_mpi_queue program
#   need_simhost            skip (77) unless root, unshare, /dev/fuse, latencyfs
#   need_tsm                skip (77) without treesync-mpi and treesync
#   mpi NP CMD ARGS...      runs CMD on NP ranks of this machine (stdin:
#                           $MPI_STDIN, else /dev/null; rank 0 gets it); output
#                           in $T/mpi.out, status in MPI_RC
#   pass/fail/skip/note     as in tests/fs

set -u
set -o pipefail

MPI_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$MPI_DIR/../.." && pwd)
TEST_NAME=$(basename -- "$0" .sh)
: "${MPI_TIMEOUT:=120}"
export LC_ALL=C

DESC=
describe() { DESC="$*"; }
note() { printf '    %s\n' "$*"; }
note_file() { sed -n "1,${2:-40}p" -- "$1" | sed 's/^/    | /'; }
pass() { echo "PASS: $TEST_NAME: ${*:-${DESC:-ok}}"; exit 0; }
fail() { echo "FAIL: $TEST_NAME: ${DESC:+$DESC: }$*"; exit 1; }
skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }

# The first of PATHS that is executable, or nothing.
first_exe() {
	local p
	for p in "$@"; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

: "${MPIEXEC:=$(command -v mpirun 2>/dev/null || true)}"
if [ -z "${MPI_QUEUE_TEST:-}" ]; then
	MPI_QUEUE_TEST=$(first_exe "$REPO"/build-mpi/tests/mpi/test_mpi_queue \
		"$REPO"/build/tests/mpi/test_mpi_queue "$REPO"/build*/tests/mpi/test_mpi_queue) || true
fi
if [ -z "${LATENCYFS:-}" ]; then
	LATENCYFS=$(first_exe "$REPO"/build-mpi/latencyfs "$REPO"/build/latencyfs \
		"$REPO"/build*/latencyfs) || true
fi
if [ -z "${TREESYNC_MPI_BIN:-}" ]; then
	TREESYNC_MPI_BIN=$(first_exe "$REPO"/build-mpi/src/mpi/treesync-mpi \
		"$REPO"/build/src/mpi/treesync-mpi "$REPO"/build*/src/mpi/treesync-mpi) || true
fi
if [ -z "${TREESYNC:-}" ]; then
	TREESYNC=$(first_exe "$REPO"/build-mpi/treesync "$REPO"/build/treesync \
		"$REPO"/build*/treesync) || true
fi
export MPIEXEC MPI_QUEUE_TEST LATENCYFS TREESYNC_MPI_BIN TREESYNC

T=$(mktemp -d "${TMPDIR:-/tmp}/tsmpi.$TEST_NAME.XXXXXX") || {
	echo "FAIL: $TEST_NAME: cannot create a temp dir"
	exit 1
}
_cleanup() {
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "    (kept temp dir $T)"
	else
		rm -rf --one-file-system -- "$T"
	fi
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

need_mpi() {
	[ -n "$MPIEXEC" ] && [ -x "$MPIEXEC" ] ||
		skip "Open MPI's mpirun not found (tools/deps.sh installs openmpi-bin libopenmpi-dev)"
}

need_queue_test() {
	need_mpi
	[ -n "$MPI_QUEUE_TEST" ] && [ -x "$MPI_QUEUE_TEST" ] ||
		skip "test_mpi_queue not built (cmake with TREESYNC_MPI=ON, which needs libopenmpi-dev)"
}

need_simhost() {
	need_mpi
	[ "$(id -u)" -eq 0 ] || skip "the simulated hosts need root (mount namespaces, FUSE mounts)"
	command -v unshare >/dev/null || skip "unshare (util-linux) not found"
	[ -e /dev/fuse ] || skip "no /dev/fuse: cannot mount latencyfs"
	[ -n "$LATENCYFS" ] && [ -x "$LATENCYFS" ] ||
		skip "latencyfs not built (needs libfuse3-dev; cmake builds it as build*/latencyfs)"
	unshare -m true 2>/dev/null || skip "cannot unshare a mount namespace here"
}

need_tsm() {
	need_mpi
	[ -n "$TREESYNC_MPI_BIN" ] && [ -x "$TREESYNC_MPI_BIN" ] ||
		skip "treesync-mpi not built (cmake with TREESYNC_MPI=ON, which needs libopenmpi-dev)"
	[ -n "$TREESYNC" ] && [ -x "$TREESYNC" ] || skip "treesync not built"
}

# A tree's state, one line per entry, sorted: path, type, mode, size,
# mtime (ns; directories too), link target or content digest.
tree_state() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
out = []
for dirpath, dirs, files in os.walk(root):
    for n in dirs + files:
        p = os.path.join(dirpath, n)
        st = os.lstat(p)
        extra = ""
        if stat.S_ISLNK(st.st_mode):
            extra = os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                extra = hashlib.md5(f.read()).hexdigest()
        size = st.st_size if not stat.S_ISDIR(st.st_mode) else 0
        mt = st.st_mtime_ns if not stat.S_ISLNK(st.st_mode) else 0
        out.append("%s %o %d %d %s" % (os.path.relpath(p, root), st.st_mode, size, mt, extra))
st = os.lstat(root)
out.append(". %o 0 %d" % (st.st_mode, st.st_mtime_ns))
print("\n".join(sorted(out)))
PY
}

# Open MPI on one machine, as root, more ranks than cores, quiet: the
# shared-memory transport only (no network probing), no CPU binding (ranks
# share the cores with their worker threads), no cross-memory attach
# (refused in some containers), and ob1 rather than UCX.
MPI_FLAGS=(--allow-run-as-root --oversubscribe -q --bind-to none
	--mca pml ob1 --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_base_warn_component_unused=0

# mpi NP CMD ARGS...: NP ranks of CMD; output in $T/mpi.out (stdout and
# stderr), status in MPI_RC (124: timed out).
mpi() {
	local np=$1
	shift
	timeout -k 10 "$MPI_TIMEOUT" "$MPIEXEC" "${MPI_FLAGS[@]}" -np "$np" "$@" \
		>"$T/mpi.out" 2>&1 <"${MPI_STDIN:-/dev/null}"
	MPI_RC=$?
}

# queue NP SCENARIO [k=v...]: one run of test_mpi_queue that must pass;
# its result lines are noted.
queue() {
	local np=$1
	shift
	mpi "$np" "$MPI_QUEUE_TEST" "$@"
	grep -E '^[a-z]+ ranks=|cpu/wall' "$T/mpi.out" | sed 's/^/    /'
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out" 60; fail "$np ranks, $* exited $MPI_RC"; }
}

# treesync-mpi's tests: the scenario trees and how to run on them.
# tsm_setup: $B/src (the source: 40 directories, 160 files, links, an
# empty directory, type changes to make), $T/tmpl (an older copy: a
# changed, a missing and extraneous files, a whole extraneous subtree,
# the retyped entries), the mount points $M/src and $M/dst of the
# simulated hosts over $B/src and $B/dst; LFS, their latencyfs options.
# Then:
#   run NP ARGS...     treesync-mpi -j 2 ARGS $M/src/ $M/dst/$TSM_DEST on NP
#                      simulated hosts (TSM_DEST: DEST below the mount,
#                      e.g. "cur/" beside an alternate directory; more
#                      simhost options in SIMHOST_OPTS, e.g. a
#                      fault on one rank); output in $T/mpi.out, status in
#                      MPI_RC, how the work spread in $T/spread.rankN.  Two
#                      workers a rank: a rank's idle workers take its new
#                      tasks before any thief can, and the tree is small
#   reset_dst empty|tmpl   $B/dst made empty, or a copy of $T/tmpl
#   items FILE         the itemized lines of FILE, sorted
#   stolen_by_others   tasks (directories, batches of files) ranks 1.. stole
#   rank_stat R FIELD  one counter of rank R in the last run
#   until_rank1 FIELD NP ARGS...   run until rank 1 did the faulty work
#   same_codes NP CODE every rank of the last run exited CODE
#   rank_codes         the exit code of each rank in the last run
#   others FILE        FILE's lines that are not items, sorted
#   as_ref WHAT TREE   the last run's tree, items and other lines are the
#                      reference's ($T/ref.items, $T/ref.others)
#   same_output WHAT REF  the last run printed file REF byte for byte
tsm_setup() {
	B=$T/b M=$T/m
	LFS=${LFS:-latency_us=500,timeout=0}
	mkdir -p "$B/src" "$B/dst" "$M/src" "$M/dst" "$T/tmpl"
	python3 - "$B/src" "$T/tmpl" <<-'PY'
	import os, sys
	src, tmpl = sys.argv[1], sys.argv[2]
	t0 = 1600000000
	def mk(root, d, depth, seed):
	    os.makedirs(os.path.join(root, d), exist_ok=True)
	    for i in range(4):
	        p = os.path.join(root, d, "f%d.txt" % i)
	        with open(p, "w") as f:
	            f.write(("%s-%d-%d\n" % (d, i, seed)) * (i * 300 + 1))
	        os.utime(p, (t0 + i, t0 + i))
	    if depth < 3:
	        for i in range(3):
	            mk(root, os.path.join(d, "d%d" % i), depth + 1, seed)
	mk(src, "", 0, 1)
	os.symlink("f0.txt", os.path.join(src, "d0/ln"))
	os.symlink("../nowhere", os.path.join(src, "d1/d1/dangling"))
	os.makedirs(os.path.join(src, "d2/empty"))
	os.chmod(os.path.join(src, "d1/f1.txt"), 0o600)
	os.makedirs(os.path.join(src, "d2/d0/now_dir"))
	with open(os.path.join(src, "d1/d2/now_file"), "w") as f:
	    f.write("file\n")
	# The old destination: the same tree as of an earlier run, then changed.
	mk(tmpl, "", 0, 1)
	os.symlink("f0.txt", os.path.join(tmpl, "d0/ln"))
	with open(os.path.join(tmpl, "d0/d1/f2.txt"), "w") as f:
	    f.write("stale\n")
	os.utime(os.path.join(tmpl, "d0/d1/f2.txt"), (t0, t0))
	os.remove(os.path.join(tmpl, "d2/d2/d1/f3.txt"))
	for p in ("extra.txt", "d1/d0/extra.txt", "d2/d1/d2/extra.txt"):
	    with open(os.path.join(tmpl, p), "w") as f:
	        f.write("extraneous\n")
	os.makedirs(os.path.join(tmpl, "d0/d2/gone/deeper"))
	with open(os.path.join(tmpl, "d0/d2/gone/deeper/x"), "w") as f:
	    f.write("x\n")
	with open(os.path.join(tmpl, "d2/d0/now_dir"), "w") as f:
	    f.write("was a file\n")
	os.makedirs(os.path.join(tmpl, "d1/d2/now_file"))
	# Directory times from the past, bottom up (a directory made in the same
	# second as a run's DEST would otherwise compare equal or not by chance).
	for root in (src, tmpl):
	    for dirpath, dirs, files in os.walk(root, topdown=False):
	        os.utime(dirpath, (t0 - 50, t0 - 50 - len(dirpath)), follow_symlinks=False)
	PY
}

run() {
	local np=$1
	shift
	rm -f "$T"/spread.rank* "$T"/rc.rank*
	TREESYNC_MPI_STATS=$T/spread mpi "$np" "$MPI_DIR/simhost.sh" -m "$B/src:$M/src:$LFS" \
		-m "$B/dst:$M/dst:$LFS" ${SIMHOST_OPTS:-} -- bash -c \
		'"$@"; rc=$?; echo $rc >"$0/rc.rank$OMPI_COMM_WORLD_RANK"
		# mpirun kills every rank once one exits non-zero (Open MPI'"'"'s
		# orte_abort_on_non_zero_status): a rank that ended by itself
		# waits (up to 10 s) for the others'"'"' codes before it exits, so
		# a slower rank is not killed before its code is written.
		if [ "$rc" -lt 128 ]; then
			for i in $(seq 100); do
				n=$(ls "$0"/rc.rank* 2>/dev/null | wc -l)
				[ "$n" -ge "$OMPI_COMM_WORLD_SIZE" ] && break
				sleep 0.1
			done
		fi
		exit $rc' "$T" \
		"$TREESYNC_MPI_BIN" -j 2 "$@" "$M/src/" "$M/dst/${TSM_DEST:-}"
}

# The exit codes of the last run's ranks, in rank order ("23 23 23").
rank_codes() {
	local f out=
	for f in $(ls "$T"/rc.rank* 2>/dev/null | sort -V); do
		out="$out${out:+ }$(cat "$f")"
	done
	echo "$out"
}

reset_dst() {
	rm -rf "$B/dst" && mkdir "$B/dst" && { [ "$1" = empty ] || cp -a "$T/tmpl/." "$B/dst/"; }
}

items() { grep -E '^[.<>ch*][fdLDS ]|^\*deleting' "$1" | sort; }

# rank_stat R FIELD: FIELD of rank R's line in the last run's spread
# counters (tasks, stolen, dirs_stolen, batches_stolen, copied, errors...).
rank_stat() {
	awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' \
		"$T/spread.rank$1" 2>/dev/null
}

# until_rank1 FIELD NP ARGS...: a fault on rank 1 only shows when rank 1
# gets the work it applies to, and stealing decides that: runs
# prepare_dst (the test's) then run NP ARGS, up to UNTIL_TRIES (3) times,
# until rank 1's FIELD (rank_stat) is above 0; fails when it never is.
until_rank1() {
	local field=$1 np=$2 attempt v
	shift 2
	for attempt in $(seq "${UNTIL_TRIES:-3}"); do
		prepare_dst
		run "$np" "$@"
		v=$(rank_stat 1 "$field")
		[ "${v:-0}" -gt 0 ] && return 0
		note "$np ranks, attempt $attempt: rank 1's $field is 0 (exit $MPI_RC; rank 1: $(cat "$T"/spread.rank1 2>/dev/null)); again"
	done
	fail "$np ranks: rank 1's $field stayed 0 in ${UNTIL_TRIES:-3} runs"
}

# same_codes NP CODE: every one of the NP ranks exited CODE.
same_codes() {
	local want
	want=$(printf "$2 %.0s" $(seq "$1"))
	[ "$(rank_codes)" = "${want% }" ] || fail "$1 ranks: the ranks exited $(rank_codes), not ${want% }"
}

# others FILE: its lines other than items and rsync's first line, sorted
# (the errors).
others() { { grep -vE '^[.<>ch*][fdLDS ]|^\*deleting|^sending incremental' "$1" || true; } | sort; }

# as_ref WHAT TREE: the last run made TREE (tree_state) in $B/dst and
# printed $T/ref.items (items) and $T/ref.others (others); fails naming
# WHAT otherwise.
as_ref() {
	[ "$(tree_state "$B/dst")" = "$2" ] || {
		diff <(echo "$2") <(tree_state "$B/dst") | head -10 | sed 's/^/    /'
		fail "$1: the tree differs from treesync's"
	}
	items "$T/mpi.out" | diff "$T/ref.items" - >"$T/items.diff" ||
		{ note_file "$T/items.diff" 20; fail "$1: the -i lines differ from treesync's"; }
	others "$T/mpi.out" | diff "$T/ref.others" - >"$T/others.diff" ||
		{ note_file "$T/others.diff" 20; fail "$1: other lines than treesync's"; }
}

# same_output WHAT REF: the last run printed what file REF holds, byte
# for byte and in order (rsync's first line aside: rank 0's alone).
same_output() {
	grep -v '^sending incremental' "$T/mpi.out" | cmp -s <(grep -v '^sending incremental' "$2") - || {
		diff <(grep -v '^sending incremental' "$2") "$T/mpi.out" | head -10 | sed 's/^/    /'
		fail "$1: not treesync's output byte for byte"
	}
}

# groups DIR: the inode groups of a tree, per group of more than one
# name its names (-H tests).
groups() {
	(cd "$1" && find . -type f -printf '%i %p\n' | sort -k2 |
		awk '{ g[$1] = g[$1] " " $2; n[$1]++ }
		     END { for (i in g) if (n[i] > 1) print g[i] }' | sort)
}

stolen_by_others() {
	cat "$T"/spread.rank[1-9] 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i == "stolen") s += $(i + 1) } END { print s + 0 }'
}
