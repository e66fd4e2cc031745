#!/bin/bash
# t4085: "a second signal ends at once, still removing temps" -- under load.
# 20000 one-line files, -j 128; each round sends SIGINT and SIGTERM back to
# back 0.2-0.5 s into the run (while files are being copied) and counts the
# temp files left.  The second signal's sweep of the registered temps must
# not race with workers that are still creating new ones (today about half
# the rounds leave some).  TSOPS_STRESS_ROUNDS (default 10) sets the rounds.
. "$(dirname "$0")/lib.sh"
desc "second signal under load (-j 128, 20000 files): no temp left, ever"
need_treesync
S=$T/src
mkdir -p "$S"
(cd "$S" && for i in $(seq 1 20000); do echo "$i" >"f$i"; done)
rounds=${TSOPS_STRESS_ROUNDS:-10}
leaks=0 second=0 wrong_rc=0 shown=0
for r in $(seq 1 "$rounds"); do
	D=$T/dst.$r
	bg_start "$TREESYNC" -a -j 128 "$S/" "$D/" >/dev/null 2>"$T/err"
	pid=$BG
	sleep "0.$((RANDOM % 4 + 2))"
	kill -INT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null
	wait_pid "$pid" 20
	[ "$WRC" = 20 ] || { wrong_rc=$((wrong_rc + 1)); note "round $r: exit $WRC"; }
	grep -q "second signal" "$T/err" && second=$((second + 1))
	n=$(count_temps "$D")
	if [ "$n" -gt 0 ]; then
		leaks=$((leaks + 1))
		[ "$shown" -lt 3 ] && note "round $r: $n temp file(s) left: $(find "$D" -name "$TEMP_GLOB" -printf '%f (%s bytes) ' | cut -c1-200) -- stderr: $(tr '\n' ' ' <"$T/err")"
		shown=$((shown + 1))
	fi
	rm -rf "$D"
done
note "$second of $rounds rounds took the second-signal path"
[ "$wrong_rc" = 0 ] && ok "every round exited 20" || bad "$wrong_rc round(s) did not exit 20"
[ "$leaks" = 0 ] && ok "no temp file left in $rounds rounds" || bad "temp files left in $leaks of $rounds rounds"
finish
