#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "request ceilings on two latencyfs mounts. timeout=0: a copied file costs the source 2 GETATTRs (the walk's, the check after the copy; the open file's attributes are those its LOOKUP brought) and the destination none (CREATE brings the temp's), a directory made by the run is not listed, at most 18.75 requests per copied file; an unchanged file one LOOKUP and one GETATTR per side. --partial the same where no directory holds its .~tmp~; profile=nfs: no GETATTR per copied file (the check after the copy does not ask for the atime the READ invalidated), at most 11.5 requests per copied file beside the SETATTRs (their number depends on writeback timing)"

# The requests the kernel sends per file, from the daemons' counters (see
# bench/RESULTS.md, "Round trips per file", for the floor).  Every name
# resolution is a LOOKUP and every stat a GETATTR at timeout=0, so each
# extra fstat in treesync shows up here as one GETATTR per file.
N=200 NDIR=4
BA=$T/backing-a BB=$T/backing-b
mkdir -p "$BB"
for d in $(seq 1 $NDIR); do
    mkdir -p "$BA/src/d$d"
    for i in $(seq 1 $((N / NDIR))); do printf '%06d\n' "$i" >"$BA/src/d$d/f$i"; done
done
# No default_permissions (as in bench/): the kernel would GETATTR the
# directory for every permission check.  Root needs no allow_other.
LFS_PERMS=
mount_lfs "$BA" "$T/lfs-a" latency_us=50,timeout=0
mount_lfs "$BB" "$T/lfs-b" latency_us=50,timeout=0

declare -A PREV D
grow() {        # grow MNT: D[KEY] is each counter's growth since the last grow
    local base k v
    base=$(basename -- "$1")
    lfs_refresh "$1"
    while read -r k v; do
        [[ $v =~ ^[0-9]+$ ]] || continue
        D[$base.$k]=$((v - ${PREV[$base.$k]:-0}))
        PREV[$base.$k]=$v
    done <"$T/$base.stats"
}
per_file() {    # per_file KEY: D[KEY] / N, two decimals
    awk -v a="${D[$1]:-0}" -v n=$N 'BEGIN { printf "%.2f", a / n }'
}
# counted NAME A B DST [ARGS...]: treesync -a ARGS from mount A's src/ to
# mount B's DST, the counters' growth in D, and $req: requests per file on
# both mounts
counted() {
    local name=$1 a=$2 b=$3 dst=$4
    shift 4
    grow "$T/$a"; grow "$T/$b"
    ts_measure "$name" -a -j4 "$@" "$T/$a/src/" "$T/$b/$dst/"
    [ "$TS_RC" -eq 0 ] || { ts_show "$name"; fail "$name: exit $TS_RC"; }
    grow "$T/$a"; grow "$T/$b"
    same_tree "$BA/src" "$BB/$dst"
    req=$(awk -v a="${D[$a.requests]}" -v b="${D[$b.requests]}" -v n=$N 'BEGIN { printf "%.2f", (a + b) / n }')
}

counted initial lfs-a lfs-b dst
note "copied: $req requests per file; source GETATTR $(per_file lfs-a.op.getattr), LOOKUP $(per_file lfs-a.op.lookup); destination GETATTR $(per_file lfs-b.op.getattr), LOOKUP $(per_file lfs-b.op.lookup), SETATTR $(per_file lfs-b.op.setattr)"
record requests "lfs A->lfs B (timeout=0)" auto "initial: $req req/file" "$N" "$TS_SECS"
[ "${D[lfs-a.op.getattr]}" -le $((N * 2 + (NDIR + 1) * 4)) ] ||
    fail "source: ${D[lfs-a.op.getattr]} GETATTRs for $N copied files (want <= 2 each: the walk, the check after)"
[ "${D[lfs-b.op.getattr]}" -le 10 ] ||
    fail "destination: ${D[lfs-b.op.getattr]} GETATTRs for $N new files (want ~0: CREATE brings the attributes)"
# DST's root is listed (one READDIR and the one at its end); the NDIR
# directories made by the run are not.
[ "${D[lfs-b.op.readdir]:-0}" -le 2 ] ||
    fail "destination: ${D[lfs-b.op.readdir]} READDIRs (want <= 2: directories made by the run are not listed)"
[ $((D[lfs-a.requests] + D[lfs-b.requests])) -le $((N * 1875 / 100)) ] ||
    fail "initial: $((D[lfs-a.requests] + D[lfs-b.requests])) requests for $N copied files (want <= 18.75 each)"

counted noop lfs-a lfs-b dst
note "unchanged: $req requests per file (source LOOKUP $(per_file lfs-a.op.lookup), GETATTR $(per_file lfs-a.op.getattr); destination LOOKUP $(per_file lfs-b.op.lookup), GETATTR $(per_file lfs-b.op.getattr))"
record requests "lfs A->lfs B (timeout=0)" auto "no-op: $req req/file" "$N" "$TS_SECS"
[ $((D[lfs-a.requests] + D[lfs-b.requests])) -le $((N * 4 + (NDIR + 1) * 20)) ] ||
    fail "no-op: $((D[lfs-a.requests] + D[lfs-b.requests])) requests for $N unchanged files (want <= 4 each)"

# --partial: no directory of DST holds its .~tmp~, so no partial is
# looked for (a LOOKUP each, before and after the copy): the same ceiling.
counted partial lfs-a lfs-b dst-partial --partial
note "--partial, copied: $req requests per file"
[ $((D[lfs-a.requests] + D[lfs-b.requests])) -le $((N * 1875 / 100)) ] ||
    fail "--partial: $((D[lfs-a.requests] + D[lfs-b.requests])) requests for $N copied files (want <= 18.75 each: no .~tmp~ looked for where the listing showed none)"

# profile=nfs (READDIRPLUS, attribute caches): fresh mounts, a new copy.
LFS_PERMS=
mount_lfs "$BA" "$T/nfs-a" profile=nfs,latency_us=50
mount_lfs "$BB" "$T/nfs-b" profile=nfs,latency_us=50
counted nfs nfs-a nfs-b dst2
note "nfs profile, copied: $req requests per file; source GETATTR $(per_file nfs-a.op.getattr); destination SETATTR $(per_file nfs-b.op.setattr), LOOKUP $(per_file nfs-b.op.lookup)"
record requests "lfs A->lfs B (profile=nfs)" auto "initial: $req req/file" "$N" "$TS_SECS"
[ "${D[nfs-a.op.getattr]:-0}" -le 10 ] ||
    fail "nfs profile: source: ${D[nfs-a.op.getattr]} GETATTRs for $N copied files (want ~0: attributes from READDIRPLUS, the atime not asked after the READ)"
# SETATTRs depend on timing here (the writeback cache writes the times
# back: bench/README.md), the rest not: at most 11.5 per copied file
# beside them.
other=$((D[nfs-a.requests] + D[nfs-b.requests] - D[nfs-a.op.setattr] - D[nfs-b.op.setattr]))
[ "$other" -le $((N * 115 / 10)) ] ||
    fail "nfs profile: $other requests but SETATTRs for $N copied files (want <= 11.5 each)"
pass
