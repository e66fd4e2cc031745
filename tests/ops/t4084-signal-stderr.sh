#!/bin/bash
# t4084: what a SIGINT leaves on stderr is the one summary line, nothing
# else: the copies the signal aborted are not errors of their own (no
# "interrupted while copying ...: Interrupted system call" line per copy in
# flight -- one per worker, so up to 32 lines on NFS by default -- and the
# summary does not count them among the errors).
. "$(dirname "$0")/lib.sh"
desc "SIGINT with 8 copies in flight: stderr is exactly the summary line"
need_treesync
throttle_init
S=$T/src D=$T/dst
BIG_MB=$((BIG_MB / 4))
for i in $(seq 1 8); do make_big "$S" "big$i.bin"; done
bg_start "$SLOW" "$TREESYNC" -a -j 8 --copy-method=readwrite "$S/" "$D/" >"$T/out" 2>"$T/err"
pid=$BG
wait_for_temp "$D" 20 || { bad "no temp file appeared"; finish; }
for _ in $(seq 100); do [ "$(count_temps "$D")" -ge 8 ] && break; sleep 0.02; done
note "$(count_temps "$D") copies in flight"
kill -INT "$pid"
wait_pid "$pid" 20
[ "$WRC" = 20 ] || bad "exit $WRC (want 20)"
[ "$(count_temps "$D")" = 0 ] || bad "temp files left"
n=$(grep -c . "$T/err")
[ "$n" = 1 ] && ok "stderr is one line: $(cat "$T/err")" ||
    { bad "stderr has $n lines, not just the summary:"; show "$T/err" 4; }
grep -q "interrupted by signal 2:.* 0 errors" "$T/err" && ok "the summary counts 0 errors" ||
    bad "the summary counts the aborted copies as errors: $(grep 'interrupted by signal' "$T/err")"
finish
