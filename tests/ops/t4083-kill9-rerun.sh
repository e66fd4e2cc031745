#!/bin/bash
# t4083: kill -9 mid-copy cannot clean up: a temp file is left (and never a
# partial file under a final name).  The next run removes it (counted in
# --json's stale_temps_removed), exits 0 and converges, without --delete.
. "$(dirname "$0")/lib.sh"
desc "kill -9 mid-copy leaves a temp; the next run sweeps it and converges"
need_treesync
need_cmd jq
throttle_init
S=$T/src D=$T/dst
make_big "$S"
mkdir -p "$S/sub"; make_big "$S/sub" deep.bin
for i in $(seq 1 20); do echo "$i" >"$S/s$i"; done
bg_start "$SLOW" "$TREESYNC" -a -j 2 --copy-method=readwrite "$S/" "$D/" >"$T/out" 2>"$T/err"
pid=$BG
wait_for_temp "$D" 20 || { bad "no temp file appeared"; finish; }
sleep 0.2
kill -9 "$pid"
wait_pid "$pid" 10
[ "$WRC" = 137 ] || note "the run ended with $WRC before the kill"
n=$(count_temps "$D")
[ "$n" -ge 1 ] && ok "after kill -9: $n temp file(s) left: $(find "$D" -name "$TEMP_GLOB" -printf '%P ' )" ||
    bad "after kill -9 no temp file is left (was the copy over?)"
find "$D" -name "$TEMP_GLOB" | grep -qvE "$TEMP_NAME_RE" && bad "a temp name is not .NAME.XXXXXX.tstmp"
for f in big.bin sub/deep.bin; do
	[ -e "$D/$f" ] && ! cmp -s "$S/$f" "$D/$f" && bad "partial $f under its final name"
done
ts "$T/run.json" "$T/err2" -a --json "$S/" "$D/"
[ "$RC" = 0 ] && ok "the next run: exit 0" || { bad "the next run: exit $RC"; show "$T/err2"; }
[ "$(count_temps "$D")" = 0 ] && ok "the next run removed the temp file(s)" || bad "temp files still there: $(find "$D" -name "$TEMP_GLOB" -printf '%P ')"
r=$(jq -r .files.stale_temps_removed "$T/run.json" 2>/dev/null)
[ "$r" = "$n" ] && ok "--json: stale_temps_removed = $r" || bad "--json: stale_temps_removed = '$r', $n were left"
diff -r "$S" "$D" >/dev/null && ok "converged: DEST == SRC" || bad "DEST differs: $(diff -rq "$S" "$D" | head -3)"
finish
