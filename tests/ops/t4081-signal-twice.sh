#!/bin/bash
# t4081: two signals in quick succession (the second one ends the run at
# once) still leave no temp file, with several copies in flight (-j 4,
# four big files at a time): exit 20, no *.tstmp, no partial file.
# Two SIGINTs sent back to back merge into one pending signal, so the
# rounds use: SIGINT+SIGTERM delivered together (the process is stopped
# while both are sent), SIGINT+SIGINT 20 ms apart, SIGINT+SIGHUP at once.
# At least one round must take the "second signal" path.
. "$(dirname "$0")/lib.sh"
desc "two SIGINTs in quick succession: exit 20, no temp left (4 copies in flight)"
need_treesync
throttle_init
S=$T/src D=$T/dst
BIG_MB=$((BIG_MB / 2))
for i in 1 2 3 4; do make_big "$S" "big$i.bin"; done
second=0
for round in 1 2 3; do
	rm -rf "$D"
	bg_start "$SLOW" "$TREESYNC" -a -j 4 --copy-method=readwrite "$S/" "$D/" >"$T/out" 2>"$T/err"
	pid=$BG
	wait_for_temp "$D" 20 || { bad "round $round: no temp file appeared"; continue; }
	for _ in $(seq 100); do [ "$(count_temps "$D")" -ge 4 ] && break; sleep 0.02; done
	temps=$(count_temps "$D")
	case $round in
	1) kill -STOP "$pid"; kill -INT "$pid"; kill -TERM "$pid"; kill -CONT "$pid" ;;
	2) kill -INT "$pid"; sleep 0.02; kill -INT "$pid" 2>/dev/null ;;
	3) kill -INT "$pid"; kill -HUP "$pid" ;;
	esac
	wait_pid "$pid" 20
	[ "$WRC" = 20 ] && ok "round $round ($temps temps in flight): exit 20" ||
	    { bad "round $round: exit $WRC (want 20)"; show "$T/err"; }
	n=$(count_temps "$D")
	[ "$n" = 0 ] && ok "round $round: no *.tstmp left" || bad "round $round: $n temp file(s) left: $(find "$D" -name "$TEMP_GLOB" | head -3 | tr '\n' ' ')"
	for f in "$D"/big*.bin; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$S/${f##*/}" || bad "round $round: partial ${f##*/} under its final name"
	done
	[ -s "$T/err" ] && grep -qE "second signal|interrupted" "$T/err" && ok "round $round: stderr says it stopped: $(tail -1 "$T/err")" ||
	    { bad "round $round: nothing on stderr about the signal"; show "$T/err"; }
	grep -q "second signal" "$T/err" && second=$((second + 1))
done
[ "$second" -ge 1 ] && ok "the second-signal path was taken in $second round(s)" ||
    bad "no round reached the second-signal path ('second signal: stopping now')"
finish
