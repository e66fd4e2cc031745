#!/bin/bash
# Issue 16, item 2 (and --timeout of the output/control issue): a source
# read that never returns (latencyfs hang_read_after: a server that
# stopped answering) must not hold the run hostage.
#  1. SIGINT while a worker is stuck in that read: the run ends within
#     about a second, exit 20, no temp file left; the stuck thread is left
#     behind (the process exits).
#  2. --timeout=2: the run ends by itself (exit 30, rsync's code) within
#     the timeout plus a small bound, naming the stuck file, no temp left.
. "$(dirname "$0")/lib.sh"
need_fuse
describe "a source read that never returns: SIGINT ends the run within ~1 s (exit 20), --timeout=2 ends it (exit 30) naming the file; no temp left"

B=$T/backing
M=$T/lfs
# One source directory (and stuck file) per case: a read left hanging can
# keep a page of its file locked in the page cache, and a later reader of
# that page would wait on it.
for c in auto readwrite timeout; do
	mkdir -p "$B/$c"
	rand_file "$B/$c/stuck.$c" $((8 << 20))
	for i in 1 2 3; do rand_file "$B/$c/ok$i" 1000; done
done
mount_lfs "$B" "$M" "fault_path=stuck,hang_read_after=$((1 << 20))"

for m in auto readwrite; do
	D=$T/dst.$m
	mkdir -p "$D"
	"$TREESYNC" -a --copy-method="$m" "$M/$m/" "$D/" >"$T/int.$m.out" 2>"$T/int.$m.err" &
	pid=$!
	# Wait for the temp of the stuck file: the read is then hanging.
	for _ in $(seq 200); do
		ls -a "$D" 2>/dev/null | grep -q '^\.stuck\..*\.tstmp$' && break
		sleep 0.05
	done
	sleep 0.3
	stop_run INT "$pid" "$m"
	[ "$STOP_RC" = 20 ] || { note_file "$T/int.$m.err"; fail "$m: exit $STOP_RC after SIGINT, want 20"; }
	fle "$STOP_SECS" 2.5 || fail "$m: the run took ${STOP_SECS}s to end after SIGINT (want ~1 s)"
	no_temps "$D"
done

D=$T/dst.timeout
mkdir -p "$D"
ts_measure timeout -a --timeout=2 "$M/timeout/" "$D/"
[ "$TS_RC" = 30 ] || { ts_show timeout; fail "--timeout=2: exit $TS_RC, want 30"; }
awk -v s="$TS_SECS" 'BEGIN { exit !(s <= 6) }' || fail "--timeout=2 took ${TS_SECS}s"
grep -q "timeout: no I/O progress for 2 seconds (stuck on 'stuck.timeout')" "$T/timeout.err" ||
	{ ts_show timeout; fail "--timeout: the message does not name the stuck file"; }
no_temps "$D"
pass
