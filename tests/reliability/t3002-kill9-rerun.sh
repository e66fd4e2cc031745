#!/bin/bash
# RT-02 SIGKILL at random points, then rerun converges (G1, G9).
#
# A 206-file tree in two versions A and B (content identifies the version;
# six 4 MiB files make the copies long enough to be hit).  Each iteration
# starts `treesync -a -j 8 --delete` towards the other version (cycling
# copy methods, --fsync every third time), SIGKILLs it after a random
# delay in [0, 0.6 x the shortest of four measured full runs] (so that
# most runs are hit mid-run however fast the machine is: with the longest
# run and 1.1 x, a fresh machine once let 14 of 24 finish first; a timed
# run also pays the harness's own wrapping), then
# checks that every
# final name holds a complete A or B, then reruns WITHOUT --delete (so a
# temp can only disappear through the tool's own debris sweep) and checks:
# exit 0, DEST == source (snapshot: content, modes, times), no temp left.
. "$(dirname "$0")/lib.sh"
cond "after each SIGKILL every final name is complete old or new (0 torn/missing); the rerun exits 0, DEST == SRC, 0 temps left"
need_treesync
build_helpers
iters=${RT02_ITERATIONS:-24}

make_manifest "$T/manifest" 200 22 "0 1 4095 65536 262144 1048576" 4194304 6
H content gen "$T/A" "$T/manifest" 1 1700000000 || fail "gen A"
H content gen "$T/B" "$T/manifest" 2 1700000000 || fail "gen B"
mkdir "$T/dst"
ts "$T/out" "$T/err" -a "$T/A/" "$T/dst/"
[ "$RC" = 0 ] || { note_file "$T/err"; fail "initial sync exit $RC"; }

# The full-run time, both ways, twice: the shortest.
tfull=
for from in B A B A; do
    t0=$(now)
    ts "$T/out" "$T/err" -a -j 8 "$T/$from/" "$T/dst/"
    d=$(elapsed "$t0")
    [ "$RC" = 0 ] || { note_file "$T/err"; fail "timing run exit $RC"; }
    { [ -z "$tfull" ] || flt "$d" "$tfull"; } && tfull=$d
done
note "a full run takes ${tfull}s at the least; kill delays drawn from [0, $(awk -v t="$tfull" 'BEGIN{printf "%.3f", t*0.6}')]s"

methods=(auto readwrite sendfile)
killed=0 finished=0 torn=0 missing=0 temps_after_kill=0 temps_after_rerun=0
rerun_bad=0 not_converged=0 unknown=0
for ((i = 0; i < iters; i++)); do
    if [ $((i % 2)) = 0 ]; then to=B v=2; else to=A v=1; fi
    m=${methods[$((i % 3))]}
    extra=()
    [ $((i % 3)) = 2 ] && extra=(--fsync)
    delay=$(awk -v t="$tfull" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", rand() * t * 0.6 }')
    "$TREESYNC" -a -j 8 --delete --copy-method="$m" "${extra[@]}" "$T/$to/" "$T/dst/" \
        >"$T/k.out" 2>"$T/k.err" </dev/null &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    krc=$?
    if [ "$krc" = 137 ]; then killed=$((killed + 1)); else finished=$((finished + 1)); fi

    H content check "$T/dst" "$T/manifest" >"$T/c1.out" 2>"$T/c1.err"
    line=$(cat "$T/c1.out")
    n=$(sed -n 's/.* torn=\([0-9]*\).*/\1/p' <<<"$line"); torn=$((torn + ${n:-1}))
    n2=$(sed -n 's/.* missing=\([0-9]*\).*/\1/p' <<<"$line"); missing=$((missing + ${n2:-1}))
    n3=$(sed -n 's/.* temps=\([0-9]*\).*/\1/p' <<<"$line"); temps_after_kill=$((temps_after_kill + ${n3:-0}))
    n4=$(sed -n 's/.* unknown=\([0-9]*\).*/\1/p' <<<"$line"); unknown=$((unknown + ${n4:-0}))
    if [ "${n:-1}" != 0 ] || [ "${n2:-1}" != 0 ]; then
        note "iteration $i (kill after ${delay}s, exit $krc): $line"
        note_file "$T/c1.err" 5
    fi

    ts "$T/out" "$T/err" -a -j 8 "$T/$to/" "$T/dst/"
    if [ "$RC" != 0 ]; then
        rerun_bad=$((rerun_bad + 1))
        note "iteration $i: rerun exit $RC"
        note_file "$T/err" 5
    fi
    n=$(count_temps "$T/dst")
    if [ "$n" != 0 ]; then
        temps_after_rerun=$((temps_after_rerun + n))
        [ "$temps_after_rerun" = "$n" ] && note "iteration $i: temps left after the rerun, e.g. $(list_temps "$T/dst" 2 | tr '\n' ' ')"
    fi
    # Converged: same tree as the source, temps aside (counted above).
    if ! diff <(H snap "$T/$to" | grep -v '\.tstmp$') <(H snap "$T/dst" | grep -v '\.tstmp$') >"$T/d.diff"; then
        not_converged=$((not_converged + 1))
        note "iteration $i: DEST != SRC after the rerun"
        note_file "$T/d.diff" 6
    fi
    # Start the next iteration from a clean, converged state.
    find "$T/dst" -name "$TEMP_GLOB" -delete
done

result iterations="$iters" killed="$killed" finished_before_kill="$finished" torn="$torn" \
    missing="$missing" unknown="$unknown" temps_after_kill="$temps_after_kill" \
    rerun_bad_exit="$rerun_bad" not_converged="$not_converged" temps_after_rerun="$temps_after_rerun"
[ "$killed" -ge $((iters / 2)) ] || check_fail "only $killed of $iters runs were killed mid-run (harness timing)"
[ "$torn" = 0 ] || check_fail "$torn torn file(s) under final names after SIGKILL"
[ "$missing" = 0 ] || check_fail "$missing final name(s) missing after SIGKILL"
[ "$unknown" = 0 ] || check_fail "$unknown unexpected entrie(s) in DEST"
[ "$rerun_bad" = 0 ] || check_fail "$rerun_bad rerun(s) exited non-zero"
[ "$not_converged" = 0 ] || check_fail "$not_converged rerun(s) did not converge"
[ "$temps_after_rerun" = 0 ] || check_fail "$temps_after_rerun stale temp(s) of killed runs still there after the rerun (no debris sweep)"
verdict "$killed kills, 0 torn, reruns converged, no temps left"
