#!/bin/bash
# --timeout (output/control issue) when a server stops answering in the
# middle of the walk (latencyfs readdir_hang: listing one directory is
# never answered), not in a file's data:
#  1. --timeout=2 --delete: the run ends by itself (exit 30, rsync's code)
#     within the timeout plus a small bound, naming the directory it is
#     stuck on; no temp file left; what was copied stays; nothing is
#     deleted (the walk did not finish).
#  2. Without --timeout, SIGTERM while the listing hangs ends the run
#     within about a second (exit 20), no temp left.
. "$(dirname "$0")/lib.sh"
need_fuse
describe "a directory listing that never returns: --timeout=2 ends the run (exit 30) naming the directory, nothing deleted; SIGTERM ends it in ~1 s (exit 20); no temp left"

B=$T/backing
M=$T/lfs
for c in timeout term; do
	mkdir -p "$B/$c/sub_ok" "$B/$c/zz_stuckdir_$c"
	for i in 1 2 3; do rand_file "$B/$c/f$i" 1000; done
	rand_file "$B/$c/big" $((2 << 20))
	rand_file "$B/$c/sub_ok/g" 1000
	rand_file "$B/$c/zz_stuckdir_$c/h" 1000
done
mount_lfs "$B" "$M" "readdir_hang=stuckdir"

# 1. --timeout=2 with --delete: the extraneous entries stay.
D=$T/dst.timeout
mkdir -p "$D/sub_ok"
printf 'extra\n' >"$D/extra"
printf 'old\n' >"$D/sub_ok/old"
ts_measure timeout -a --delete --timeout=2 "$M/timeout/" "$D/"
[ "$TS_RC" = 30 ] || { ts_show timeout; fail "--timeout=2: exit $TS_RC, want 30"; }
fle "$TS_SECS" 6 || fail "--timeout=2 took ${TS_SECS}s (want <= 6)"
grep -q "timeout: no I/O progress for 2 seconds (stuck on '.*zz_stuckdir_timeout')" "$T/timeout.err" ||
	{ ts_show timeout; fail "--timeout: the message does not name the stuck directory"; }
[ -e "$D/extra" ] && [ -e "$D/sub_ok/old" ] ||
	fail "--timeout: extraneous entries were deleted although the walk did not finish"
for f in f1 f2 f3 big sub_ok/g; do
	cmp -s "$B/timeout/$f" "$D/$f" || fail "--timeout: $f was not copied before the stuck listing"
done
no_temps "$D"

# 2. No --timeout: SIGTERM while the listing hangs.
D=$T/dst.term
mkdir -p "$D"
"$TREESYNC" -a "$M/term/" "$D/" >"$T/term.out" 2>"$T/term.err" &
pid=$!
# Wait until everything but the stuck directory is copied.
for _ in $(seq 200); do
	[ -e "$D/sub_ok/g" ] && [ -e "$D/big" ] && break
	sleep 0.05
done
sleep 0.5
alive "$pid" || { note_file "$T/term.err"; fail "harness: the run ended before SIGTERM (the listing did not hang)"; }
stop_run TERM "$pid" "stuck listing"
[ "$STOP_RC" = 20 ] || { note_file "$T/term.err"; fail "exit $STOP_RC after SIGTERM, want 20"; }
fle "$STOP_SECS" 2.5 || fail "the run took ${STOP_SECS}s to end after SIGTERM (want ~1 s)"
no_temps "$D"
pass
