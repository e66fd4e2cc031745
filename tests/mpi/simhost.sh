#!/bin/bash
# simhost.sh -- makes one MPI rank look like a host of its own: started by
# mpirun, it moves into a private mount namespace and mounts its own
# latencyfs instances over shared backing directories, at the same paths
# on every rank, then runs the command.  Each rank so has its own page and
# attribute caches, its own device numbers and its own FUSE request queue
# and latency, as separate NFS clients of one server would, while all of
# them see the same files.
#
#   mpirun -np 4 tests/mpi/simhost.sh [-m BACKING:MOUNT[:OPTS]]... \
#       [-R RANK:MOUNT:OPTS]... [-s STATSDIR] [-l LOGDIR] -- COMMAND [ARGS...]
#
#   -m  a latencyfs over BACKING on MOUNT (both made if missing), with the
#       latencyfs -o OPTS (e.g. latency_us=500,timeout=0); repeatable
#   -R  more OPTS for MOUNT on rank RANK only (a fault on one "host":
#       readdir_eio=/d, enospc_after=0...); repeatable
#   -s  each daemon writes its counters to STATSDIR/rankN.MOUNTNAME.stats
#       (at unmount, and on SIGUSR1)
#   -l  each daemon's log goes to LOGDIR/rankN.MOUNTNAME.log (default:
#       STATSDIR, else discarded)
#
# The exit status is COMMAND's (so mpirun's is the job's), or 75 when a
# mount could not be made.  Needs root, unshare(1), /dev/fuse and
# latencyfs (LATENCYFS, default: <repo>/build*/latencyfs).  The host's
# own mount table is never changed: the namespace is a slave of the
# host's (`unshare -m --propagation slave`: rslave), so the rank still
# sees the host's mounts (and /dev/shm, which Open MPI's shared-memory
# transport needs), and its own mounts vanish with it.
set -u

here=$(cd -- "$(dirname -- "$0")" && pwd)
rank=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-0}}}

die() {
	echo "simhost[$rank]: $*" >&2
	exit 75
}

if [ -z "${SIMHOST_INNER:-}" ]; then
	[ "$(id -u)" -eq 0 ] || die "needs root (mount namespace, FUSE mounts)"
	command -v unshare >/dev/null || die "unshare (util-linux) not found"
	SIMHOST_INNER=1 exec unshare -m --propagation slave -- "$0" "$@"
	die "cannot unshare a mount namespace"
fi

if [ -z "${LATENCYFS:-}" ]; then
	for LATENCYFS in "$here"/../../build-mpi/latencyfs "$here"/../../build/latencyfs \
		"$here"/../../build*/latencyfs; do
		[ -x "$LATENCYFS" ] && break
	done
fi

specs=()
extras=()
stats_dir=
log_dir=
while [ $# -gt 0 ]; do
	case $1 in
	-m) specs+=("$2"); shift 2 ;;
	-R) extras+=("$2"); shift 2 ;;
	-s) stats_dir=$2; shift 2 ;;
	-l) log_dir=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option $1 (simhost.sh [-m BACKING:MOUNT[:OPTS]]... [-R RANK:MOUNT:OPTS]... [-s DIR] [-l DIR] -- CMD)" ;;
	esac
done
[ $# -gt 0 ] || die "no command"
[ -n "$log_dir" ] || log_dir=$stats_dir
[ ${#specs[@]} -eq 0 ] || [ -x "$LATENCYFS" ] || die "latencyfs not found (set LATENCYFS)"

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/simhost.$rank.XXXXXX") || die "no temp dir"
mounts=()
pids=()

teardown() {
	local i m pid n
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		umount -- "$m" 2>/dev/null || { sleep 0.2; umount -- "$m" 2>/dev/null; } ||
			umount -l -- "$m" 2>/dev/null || echo "simhost[$rank]: cannot unmount $m" >&2
	done
	# Unmounting ends each daemon (it writes its counters then).
	for pid in "${pids[@]+"${pids[@]}"}"; do
		for ((n = 0; n < 50; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf -- "$run_dir"
}
trap teardown EXIT
trap 'exit 143' TERM HUP INT

# mount_one BACKING MOUNT OPTS: a latencyfs in the foreground as our child
# (so that we reap it), ready once its pid file is written.
mount_one() {
	local backing=$1 mnt=$2 opts=$3 name pid n stats= log=/dev/null
	name=$(basename -- "$mnt")
	mkdir -p -- "$backing" "$mnt" || die "cannot make $backing or $mnt"
	[ -n "$stats_dir" ] && stats=",stats=$stats_dir/rank$rank.$name.stats"
	[ -n "$log_dir" ] && log=$log_dir/rank$rank.$name.log
	# Should this shell be killed outright (mpirun's SIGKILL), the
	# daemon follows it (parent-death signal), and the namespace with
	# its mounts goes with the last process in it.
	setpriv --pdeathsig TERM -- "$LATENCYFS" -f \
		-o "quiet,allow_other,default_permissions,pidfile=$run_dir/$name.pid$stats${opts:+,$opts}" \
		"$backing" "$mnt" >"$log" 2>&1 </dev/null &
	pid=$!
	pids+=("$pid")
	mounts+=("$mnt")
	for ((n = 0; n < 200; n++)); do
		[ -s "$run_dir/$name.pid" ] && mountpoint -q -- "$mnt" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	die "cannot mount latencyfs on $mnt (log: $log)"
}

for spec in "${specs[@]+"${specs[@]}"}"; do
	IFS=: read -r backing mnt opts <<<"$spec"
	[ -n "$backing" ] && [ -n "$mnt" ] || die "bad -m $spec (BACKING:MOUNT[:OPTS])"
	for extra in "${extras[@]+"${extras[@]}"}"; do
		IFS=: read -r xrank xmnt xopts <<<"$extra"
		[ -n "$xrank" ] && [ -n "$xmnt" ] || die "bad -R $extra (RANK:MOUNT:OPTS)"
		[ "$xrank" = "$rank" ] && [ "$xmnt" = "$mnt" ] && opts=${opts:+$opts,}$xopts
	done
	mount_one "$backing" "$mnt" "${opts:-}"
done

"$@"
rc=$?
exit "$rc"
