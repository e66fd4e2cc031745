#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "--partial resume from a network-like mount (latencyfs, 200 us): a copy killed midway is resumed by the next run, which reads only the rest of the source (daemon counters), with every copy method; a source changed meanwhile (same size and mtime, new ctime) is copied whole; --partial-dir too; the final file is identical"

B=$T/backing
M=$T/lfs
SIZE=$((256 << 20))
mkdir -p "$B/src"
rand_file "$B/src/big" $SIZE
mount_lfs "$B" "$M" latency_us=200

# interrupted DEST [OPTS]: a slow copy of big into DEST, SIGTERMed once
# its temp holds a quarter of it.
interrupted() {
	local dest=$1 pid i t; shift
	"$TREESYNC" -a --partial --bwlimit=40000 "$@" "$M/src/" "$dest/" \
	    >"$T/int.out" 2>"$T/int.err" &
	pid=$!
	for i in $(seq 1 600); do
		t=$(find "$dest" -name '.big.*' -size +$((SIZE / 4 / 1024))k 2>/dev/null | head -1)
		[ -n "$t" ] && break
		alive "$pid" || break
		sleep 0.05
	done
	[ -n "$t" ] || fail "scenario: no temp of a quarter of big seen"
	kill -TERM "$pid"
	wait "$pid"
}

# resumed NAME DEST KEPT [OPTS]: the next run; sets RD (bytes the daemon
# read) and checks the result.
resumed() {
	local name=$1 dest=$2 r0; shift 2
	lfs_refresh "$M"
	r0=$(lfs_val "$M" read_bytes)
	ts_measure "$name" -a --partial -vv "$@" "$M/src/" "$dest/"
	[ "$TS_RC" -eq 0 ] || { ts_show "$name"; fail "$name: exit $TS_RC"; }
	lfs_refresh "$M"
	RD=$(($(lfs_val "$M" read_bytes) - r0))
	cmp -s "$B/src/big" "$dest/big" || fail "$name: big differs from the source"
}

for m in auto sendfile readwrite; do
	D=$T/dst.$m
	interrupted "$D"
	# --partial keeps it in .~tmp~, never under the final name.
	[ -e "$D/big" ] && fail "$m: a partial under the final name"
	kept=$(stat -c %s "$D/.~tmp~/big") || fail "$m: no partial kept"
	[ "$kept" -gt 0 ] && [ "$kept" -lt $SIZE ] || fail "$m: partial of $kept bytes"
	getfattr -n user.treesync.partial "$D/.~tmp~/big" >/dev/null 2>&1 ||
		fail "$m: the partial carries no record of its source"
	resumed "resume-$m" "$D" --copy-method=$m
	rest=$((SIZE - kept))
	note "$m: kept $kept, then read $RD bytes for the $rest left"
	grep -q "resumed after $kept bytes" "$T/resume-$m.out" ||
		{ ts_show "resume-$m"; fail "$m: -vv does not say it resumed after $kept bytes"; }
	# The rest, plus the block compared and the kernel's read-ahead.
	[ "$RD" -ge "$rest" ] && [ "$RD" -le $((rest + (4 << 20))) ] ||
		fail "$m: read $RD bytes to finish $rest (kept $kept)"
	getfattr -n user.treesync.partial "$D/big" >/dev/null 2>&1 &&
		fail "$m: the record stayed on the finished file"
done

# A source changed in the kept part, size and mtime put back: its ctime
# differs from the record, so it is copied whole.
D=$T/dst.changed
interrupted "$D"
touch -r "$B/src/big" "$T/mtime"
printf 'CHANGED' | dd of="$B/src/big" bs=1 seek=4096 conv=notrunc 2>/dev/null
touch -r "$T/mtime" "$B/src/big"
resumed changed "$D"
grep -q "resumed" "$T/changed.out" && fail "a changed source was resumed"
[ "$RD" -ge $SIZE ] || fail "changed source: read only $RD of $SIZE bytes"

# --partial-dir: kept in the directory's partial dir, resumed from there.
D=$T/dst.pdir
mkdir -p "$D"
printf 'old\n' >"$D/big"
interrupted "$D" --partial-dir=.part -I
kept=$(stat -c %s "$D/.part/big") || fail "--partial-dir: nothing kept"
grep -qx old "$D/big" || fail "--partial-dir: the final name changed"
resumed pdir "$D" --partial-dir=.part
[ "$RD" -le $((SIZE - kept + (4 << 20))) ] ||
	fail "--partial-dir: read $RD bytes to finish $((SIZE - kept))"
[ -e "$D/.part" ] && fail "--partial-dir: the partial dir was left"
pass
