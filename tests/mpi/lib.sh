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
#   MPI_TIMEOUT     seconds allowed for one mpirun (default 120)
#   KEEP_TMP=1      keep the test's temp dir
#
# In a test:
#   $T                      the per-test temp dir
#   need_mpi                skip (77) without mpirun
#   need_queue_test         skip (77) without the test_mpi_queue program
#   need_simhost            skip (77) unless root, unshare, /dev/fuse, latencyfs
#   mpi NP CMD ARGS...      runs CMD on NP ranks of this machine; output
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
export MPIEXEC MPI_QUEUE_TEST LATENCYFS

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
		>"$T/mpi.out" 2>&1 </dev/null
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
