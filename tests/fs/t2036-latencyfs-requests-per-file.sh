#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "two latencyfs mounts without attribute caches (timeout=0): a copied file costs the source 3 GETATTRs (the walk's, the open file's, the check after the copy) and the destination none (the new temp's attributes come with CREATE); an unchanged file one LOOKUP and one GETATTR per side"

# The requests the kernel sends per file, from the daemons' counters (see
# bench/RESULTS.md, "Round trips per file", for the floor).  Every name
# resolution is a LOOKUP and every stat a GETATTR at timeout=0, so each
# extra fstat in treesync shows up here as one GETATTR per file.
N=200
BA=$T/backing-a BB=$T/backing-b
mkdir -p "$BA/src" "$BB"
for i in $(seq 1 $N); do printf '%06d\n' "$i" >"$BA/src/f$i"; done
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

grow "$T/lfs-a"; grow "$T/lfs-b"
ts_measure initial -a -j4 "$T/lfs-a/src/" "$T/lfs-b/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show initial; fail "initial copy: exit $TS_RC"; }
grow "$T/lfs-a"; grow "$T/lfs-b"
same_tree "$BA/src" "$BB/dst"
req=$(awk -v a="${D[lfs-a.requests]}" -v b="${D[lfs-b.requests]}" -v n=$N 'BEGIN { printf "%.2f", (a + b) / n }')
note "copied: $req requests per file; source GETATTR $(per_file lfs-a.op.getattr), LOOKUP $(per_file lfs-a.op.lookup); destination GETATTR $(per_file lfs-b.op.getattr), LOOKUP $(per_file lfs-b.op.lookup), SETATTR $(per_file lfs-b.op.setattr)"
record requests "lfs A->lfs B (timeout=0)" auto "initial: $req req/file" "$N" "$TS_SECS"
[ "${D[lfs-a.op.getattr]}" -le $((N * 3 + 10)) ] ||
    fail "source: ${D[lfs-a.op.getattr]} GETATTRs for $N copied files (want <= 3 each: the walk, the open file, the check after)"
[ "${D[lfs-b.op.getattr]}" -le 10 ] ||
    fail "destination: ${D[lfs-b.op.getattr]} GETATTRs for $N new files (want ~0: CREATE brings the attributes)"

ts_measure noop -a -j4 "$T/lfs-a/src/" "$T/lfs-b/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show noop; fail "no-op: exit $TS_RC"; }
grow "$T/lfs-a"; grow "$T/lfs-b"
req=$(awk -v a="${D[lfs-a.requests]}" -v b="${D[lfs-b.requests]}" -v n=$N 'BEGIN { printf "%.2f", (a + b) / n }')
note "unchanged: $req requests per file (source LOOKUP $(per_file lfs-a.op.lookup), GETATTR $(per_file lfs-a.op.getattr); destination LOOKUP $(per_file lfs-b.op.lookup), GETATTR $(per_file lfs-b.op.getattr))"
record requests "lfs A->lfs B (timeout=0)" auto "no-op: $req req/file" "$N" "$TS_SECS"
[ $((D[lfs-a.requests] + D[lfs-b.requests])) -le $((N * 4 + 40)) ] ||
    fail "no-op: $((D[lfs-a.requests] + D[lfs-b.requests])) requests for $N unchanged files (want <= 4 each)"
pass
