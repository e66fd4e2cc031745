#!/bin/bash
# RT-01 Final names never expose partial data (live observer), G1.
#
# Two versions A and B of a 504-file tree (0 B .. 256 KiB, and 4 files of
#  8 MiB) whose content identifies the version byte by byte.  DEST is
# updated A -> B -> A ... with `treesync -a -j 8` (cycling the copy
# methods) for RACE_SECONDS while an observer reads every final name in a
# loop.  Positive control: the same observer must catch `cp` writing the
# files in place (else the observer is blind and the test fails).
. "$(dirname "$0")/lib.sh"
cond "observer sees only complete old/new content under final names (0 torn, 0 missing); every run exits 0, leaves no temp, DEST == source; control: in-place cp IS caught"
need_treesync
build_helpers
budget=${RACE_SECONDS:-8}

make_manifest "$T/manifest" 500 11 "0 1 4095 4096 65536 262144" 8388608 4
H content gen "$T/A" "$T/manifest" 1 1700000000 || fail "gen A"
H content gen "$T/B" "$T/manifest" 2 1700000000 || fail "gen B"
mkdir "$T/dst"
ts "$T/out" "$T/err" -a "$T/A/" "$T/dst/"
[ "$RC" = 0 ] || { note_file "$T/err"; fail "initial sync exit $RC"; }
H content check "$T/dst" "$T/manifest" 1 >/dev/null || fail "initial sync did not produce version A"

rm -f "$T/stop"
HBG content observe "$T/dst" "$T/manifest" "$T/stop" >"$T/obs.out" 2>"$T/obs.err" &
obs=$!
bg_track "$obs"

methods=(auto readwrite sendfile copy_file_range)
runs=0 bad_rc=0 temps_left=0 not_converged=0
t0=$(now)
while flt "$(elapsed "$t0")" "$budget"; do
    if [ $((runs % 2)) = 0 ]; then from=B v=2; else from=A v=1; fi
    m=${methods[$((runs % ${#methods[@]}))]}
    ts "$T/out" "$T/err" -a -j 8 --copy-method="$m" "$T/$from/" "$T/dst/"
    runs=$((runs + 1))
    if [ "$RC" != 0 ]; then
        bad_rc=$((bad_rc + 1))
        note "run $runs ($from, $m): exit $RC"
        note_file "$T/err" 5
    fi
    n=$(count_temps "$T/dst")
    temps_left=$((temps_left + n))
    if ! H content check "$T/dst" "$T/manifest" "$v" >"$T/chk.out" 2>"$T/chk.err"; then
        not_converged=$((not_converged + 1))
        note "run $runs ($from, $m): DEST is not version $v: $(cat "$T/chk.out")"
        note_file "$T/chk.err" 5
    fi
done
touch "$T/stop"
wait "$obs"
obs_rc=$?
obs_line=$(cat "$T/obs.out")
note "observer: $obs_line"
note_file "$T/obs.err" 10
torn=$(sed -n 's/.*torn=\([0-9]*\).*/\1/p' <<<"$obs_line")
missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<<"$obs_line")
reads=$(sed -n 's/.*reads=\([0-9]*\).*/\1/p' <<<"$obs_line")
passes=$(sed -n 's/.*passes=\([0-9]*\).*/\1/p' <<<"$obs_line")

# Positive control: cp rewrites files in place; the observer must see it.
rm -f "$T/stop"
HBG content observe "$T/dst" "$T/manifest" "$T/stop" >"$T/ctl.out" 2>"$T/ctl.err" &
obs=$!
bg_track "$obs"
t0=$(now)
i=0
while flt "$(elapsed "$t0")" 3; do
    if [ $((i % 2)) = 0 ]; then cp -r "$T/A/." "$T/dst/"; else cp -r "$T/B/." "$T/dst/"; fi
    i=$((i + 1))
    [ -s "$T/ctl.err" ] && break     # the observer reported something
done
touch "$T/stop"
wait "$obs"
ctl_torn=$(sed -n 's/.*torn=\([0-9]*\).*/\1/p' "$T/ctl.out")
note "control (cp in place, $i copies): $(cat "$T/ctl.out")"

result runs="$runs" observer_reads="${reads:-0}" passes="${passes:-0}" torn="${torn:-?}" \
    missing="${missing:-?}" bad_exit="$bad_rc" temps_left="$temps_left" \
    not_converged="$not_converged" control_torn="${ctl_torn:-0}"

[ "${ctl_torn:-0}" -gt 0 ] || check_fail "positive control: the observer did not catch in-place cp (harness broken)"
[ "$runs" -ge 2 ] || check_fail "only $runs run(s) in the budget"
[ "${passes:-0}" -ge 2 ] || check_fail "observer made only ${passes:-0} passes"
[ "$obs_rc" = 0 ] || check_fail "observer saw torn=$torn missing=$missing under final names"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc run(s) exited non-zero"
[ "$temps_left" = 0 ] || check_fail "$temps_left temp file(s) left after runs"
[ "$not_converged" = 0 ] || check_fail "$not_converged run(s) left DEST != source"
verdict "$runs runs, $reads final-name reads, 0 torn; control caught $ctl_torn torn"
