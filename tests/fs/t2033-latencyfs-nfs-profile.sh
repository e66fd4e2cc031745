#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "latencyfs profile=nfs behaves like an NFS client (write-behind in wsize WRITEs, READDIRPLUS and the attribute cache spare per-file requests, close-to-open sees a changed file, the link and the slots are charged); the pessimistic profile does none of it"

# Counters only, except one lower bound on elapsed time (the link model
# must really make a transfer wait; load only makes it slower).
PB=$T/backing-p NB=$T/backing-n
mkdir -p "$PB/d" "$NB/d"
for i in $(seq 1 100); do
    printf '%d\n' "$i" >"$PB/d/f$i"
    printf '%d\n' "$i" >"$NB/d/f$i"
done
mount_lfs "$PB" "$T/pess" latency_us=100,timeout=0
mount_lfs "$NB" "$T/nfs" profile=nfs,latency_us=100,bw_mbit=80,slots=2

# grow MNT: refreshes MNT's counters; D[KEY] is each one's growth since
# the last grow of MNT.
declare -A PREV D
grow() {
    local base k v
    base=$(basename -- "$1")
    lfs_refresh "$1"
    while read -r k v; do
        [[ $v =~ ^[0-9]+$ ]] || continue
        D[$k]=$((v - ${PREV[$base.$k]:-0}))
        PREV[$base.$k]=$v
    done <"$T/$base.stats"
}
grow "$T/pess"
grow "$T/nfs"

# 1. Write-behind: 4 MiB in 4 KiB write(2) calls.
for m in pess nfs; do
    dd if=/dev/urandom of="$T/$m/w" bs=4k count=1024 status=none || fail "dd to $m"
    grow "$T/$m"
    w=${D[op.write]} b=${D[write_bytes]} link=${D[link_up_us]:-0}
    note "$m: 4 MiB in 4 KiB writes: $w WRITE requests, $b bytes, link busy ${link} us"
    [ "$b" -eq $((4 << 20)) ] || fail "$m: the daemon received $b bytes, not 4 MiB"
    eval "writes_$m=$w link_$m=$link"
done
[ "$writes_pess" -ge 1024 ] || fail "pessimistic: $writes_pess WRITEs for 1024 write(2) calls (write-through expected)"
[ "$writes_nfs" -le 16 ] || fail "nfs: $writes_nfs WRITEs for 4 MiB (write-behind in 1 MiB WRITEs expected)"
# 4 MiB at 80 Mbit/s is 419,430 us of link time.
[ "$link_nfs" -ge 419000 ] && [ "$link_nfs" -le 420000 ] || fail "nfs: link busy $link_nfs us for 4 MiB at 80 Mbit/s (want 419,430)"
[ "$link_pess" -eq 0 ] || fail "pessimistic: a link was modeled ($link_pess us)"

# 2. The link makes a transfer wait: 4 MiB more at 80 Mbit/s cannot be
#    through (fsync'ed) in less than 0.42 s.
t0=$(now)
dd if=/dev/zero of="$T/nfs/w2" bs=1M count=4 conv=fsync status=none || fail "dd w2"
secs=$(elapsed "$t0")
note "nfs: 4 MiB written and fsync'ed in ${secs}s at 80 Mbit/s"
awk -v s="$secs" 'BEGIN { exit !(s >= 0.40) }' || fail "4 MiB crossed an 80 Mbit/s link in ${secs}s"

# 3. ls -l of 100 files: READDIRPLUS brings every attribute along (nfs);
#    with no cache, each name costs a LOOKUP and a GETATTR.
for m in pess nfs; do
    ls -l "$T/$m/d" >/dev/null || fail "ls $m"
    grow "$T/$m"
    l=${D[op.lookup]} g=${D[op.getattr]}
    note "$m: ls -l of 100 files: $l LOOKUP, $g GETATTR"
    eval "names_$m=$((l + g))"
done
[ "$names_pess" -ge 100 ] || fail "pessimistic: ls -l of 100 files made $names_pess LOOKUP+GETATTR"
[ "$names_nfs" -le 10 ] || fail "nfs: ls -l of 100 files made $names_nfs LOOKUP+GETATTR (READDIRPLUS expected)"

# 4. Within acregmin a second stat asks nothing; close-to-open: a file
#    changed on the server (same size, new bytes and mtime) reads new
#    at the next open although its pages are cached.
cat "$T/nfs/d/f7" >/dev/null
stat "$T/nfs/d/f7" >/dev/null
grow "$T/nfs"
stat "$T/nfs/d/f7" >/dev/null
grow "$T/nfs"
l=${D[op.lookup]} g=${D[op.getattr]}
[ $((l + g)) -eq 0 ] || fail "nfs: a stat within acregmin asked the server ($l LOOKUP, $g GETATTR)"
printf 'X\n' >"$NB/d/f7"
touch -d '2001-01-01' "$NB/d/f7"
got=$(cat "$T/nfs/d/f7")
[ "$got" = X ] || fail "nfs: close-to-open: read '$got' after the file changed on the server (want X)"

# 5. Two slots: eight readers at once must queue for them.  On their own
# mount at 20 ms a request, so that each reader holds a slot for a while
# (at 100 us a loaded machine started the eight one after another and
# they never overlapped: CI, 5 rounds of 5).  Up to 5 rounds, each on
# eight files not read yet.
SB=$T/backing-s
mkdir -p "$SB/d"
for i in $(seq 11 50); do printf '%d\n' "$i" >"$SB/d/f$i"; done
mount_lfs "$SB" "$T/slots" profile=nfs,latency_us=20000,bw_mbit=80,slots=2
grow "$T/slots"
sw=0
for round in 0 1 2 3 4; do
    pids=()
    for i in $(seq $((11 + round * 8)) $((18 + round * 8))); do
        cat "$T/slots/d/f$i" >/dev/null &
        pids+=($!)
    done
    wait "${pids[@]}"      # not the daemons, which are children too
    grow "$T/slots"
    sw=${D[slot_waits]}
    [ "$sw" -gt 0 ] && break
done
note "nfs: 8 readers over 2 slots: $sw requests waited for a slot"
[ "$sw" -gt 0 ] || fail "nfs: 8 concurrent readers never waited for one of 2 slots"
pass
