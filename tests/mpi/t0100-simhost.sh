#!/bin/bash
# The simulated hosts (simhost.sh): 3 ranks, each in its own mount
# namespace with its own latencyfs over one shared backing directory at
# one path.  Each rank sees a mount of its own (a device number and a
# latencyfs daemon that no other rank has, a namespace that is not the
# host's), every rank sees what the others wrote (one backing store), each
# daemon served its own rank's requests, the host's mount table never
# shows the mounts, no daemon outlives the job, and a rank's exit status
# is mpirun's.
. "$(dirname "$0")/lib.sh"
need_simhost
describe "simulated hosts"
B=$T/backing M=$T/mnt
mkdir -p "$B" "$M" "$T/stats"
echo shared >"$B/seed"
cat >"$T/probe.sh" <<'PROBE'
#!/bin/bash
# One rank: what it sees, then a file of its own, then everyone's.
M=$1 OUT=$2 N=$3
r=$OMPI_COMM_WORLD_RANK
mountpoint -q "$M" || { echo "rank $r: $M is not a mount point"; exit 2; }
{
	echo "dev $(stat -c %d "$M")"
	echo "ns $(readlink /proc/self/ns/mnt)"
	echo "fstype $(stat -f -c %T "$M")"
	echo "seed $(cat "$M/seed")"
} >"$OUT/rank$r.seen"
echo "from $r" >"$M/from.$r"
# Wait (at most 20 s) for the other ranks' files, through this rank's
# own mount (timeout=0: no attribute cache, so a new name shows at once).
for ((i = 0; i < 200; i++)); do
	n=$(ls "$M" | grep -c '^from\.')
	[ "$n" -ge "$N" ] && break
	sleep 0.1
done
echo "saw $n" >>"$OUT/rank$r.seen"
PROBE
chmod +x "$T/probe.sh"

mpi 3 "$MPI_DIR/simhost.sh" -m "$B:$M:latency_us=200,timeout=0" -s "$T/stats" -- \
	"$T/probe.sh" "$M" "$T" 3
[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "mpirun exited $MPI_RC"; }
host_ns=$(readlink /proc/self/ns/mnt)
for r in 0 1 2; do
	[ -s "$T/rank$r.seen" ] || fail "rank $r reported nothing"
	note "rank $r: $(tr '\n' ' ' <"$T/rank$r.seen")"
	grep -Fqx "seed shared" "$T/rank$r.seen" || fail "rank $r did not see the backing's file"
	grep -Fqx "saw 3" "$T/rank$r.seen" || fail "rank $r did not see every rank's file"
	grep -q "fstype fuse" "$T/rank$r.seen" || fail "rank $r's mount is not FUSE"
	grep -Fqx "ns $host_ns" "$T/rank$r.seen" && fail "rank $r ran in the host's mount namespace"
	req=$(awk '$1 == "requests" { print $2 }' "$T/stats/rank$r.mnt.stats" 2>/dev/null)
	[ "${req:-0}" -gt 0 ] || fail "rank $r's latencyfs served no request"
	note "rank $r: its latencyfs served $req requests"
done
[ "$(grep -h '^dev ' "$T"/rank*.seen | sort -u | wc -l)" = 3 ] ||
	fail "the ranks share a device number: $(grep -h '^dev ' "$T"/rank*.seen | tr '\n' ' ')"
[ "$(grep -h '^ns ' "$T"/rank*.seen | sort -u | wc -l)" = 3 ] || fail "the ranks share a mount namespace"
[ "$(ls "$B" | grep -c '^from\.')" = 3 ] || fail "the backing directory lacks a rank's file"
mountpoint -q "$M" && fail "the host sees a rank's mount on $M"
grep -q "$M" /proc/self/mountinfo && fail "the host's mount table names $M"
pgrep -f -- "latencyfs.*$M" >/dev/null && fail "a latencyfs daemon outlived the job"

# A rank's failure is the job's.
mpi 2 "$MPI_DIR/simhost.sh" -m "$B:$M" -- bash -c '[ "$OMPI_COMM_WORLD_RANK" = 1 ] && exit 3; exit 0'
[ "$MPI_RC" = 3 ] || { note_file "$T/mpi.out"; fail "rank 1 exited 3, mpirun $MPI_RC"; }
# A mount that cannot be made ends the rank with 75 before the command.
mpi 1 "$MPI_DIR/simhost.sh" -m "$B:/proc/nonexistent/m" -- touch "$T/ran"
[ "$MPI_RC" = 75 ] && [ ! -e "$T/ran" ] || fail "a failed mount gave $MPI_RC"
pass "3 ranks: 3 devices, 3 namespaces, 3 daemons, one backing store; host untouched"
