#!/bin/bash
# ST-04 Deletion confinement under races (G2, G3; CVE-2022-21658 class).
#
# DEST/old/ (not in SRC) is a 5-level tree, a/b/c/d/e with 10 files per
# level plus siblings; a flipper swaps DEST/old/a/b with a symlink to
# OUTSIDE (kept outside DEST), whose entries carry the same names
# (c/, f0..f9, sentinels).  `treesync -a --delete` must delete DEST/old.
# Each iteration rebuilds DEST/old and races one run; for RACE_SECONDS.
# Pass: OUTSIDE's snapshot (entries, content, mtimes, ctimes) unchanged
# after every iteration; exit codes 0/23 only.
# Positive control: a naive lstat-then-recurse path-based rm under the
# same flipper MUST delete something in OUTSIDE (else: harness broken).
. "$(dirname "$0")/lib.sh"
cond "flipper swaps DEST/old/a/b <-> symlink to OUTSIDE while --delete removes DEST/old: OUTSIDE unchanged; control: naive rm -r deletes outside"
need_treesync
build_helpers
budget=${RACE_SECONDS:-8}

mkdir -p "$T/src/keep"
echo keep >"$T/src/keep/k"

mk_old() {   # the extraneous tree in DEST
    local p=$T/dst/old lvl i
    rm -rf "$T/dst/old"
    for lvl in a b c d e; do
        p=$p/$lvl
        mkdir -p "$p" "$p.sib"
        for i in 0 1 2 3 4 5 6 7 8 9; do echo "dest $lvl $i" >"$p/f$i"; done
        echo s >"$p.sib/s"
    done
}
mk_outside() {
    local p=$T/outside lvl i
    rm -rf "$T/outside"
    mkdir -p "$p"
    for lvl in c d e; do
        for i in 0 1 2 3 4 5 6 7 8 9; do echo "OUTSIDE $lvl $i" >"$p/f$i"; done
        echo sentinel >"$p/sentinel-$lvl"
        mkdir -p "$p/$lvl" "$p/$lvl.sib"
        echo s >"$p/$lvl.sib/s"
        p=$p/$lvl
    done
    find "$T/outside" -exec touch -h -d '2000-01-01' {} +
}

mkdir -p "$T/dst"
mk_outside
H snap -c "$T/outside" >"$T/outside.before"
iters=0 bad_rc=0 escapes=0 swaps=0 racy_runs=0
t0=$(now)
while flt "$(elapsed "$t0")" "$budget"; do
    mk_old
    rm -rf "$T/q" "$T/q".aside.*
    ln -s "$T/outside" "$T/q"
    HBG flipper "$T/dst/old/a/b" "$T/q" "$T/outside" 30 >"$T/flip.out" &
    fpid=$!
    wait_exec "$fpid" flipper
    ts "$T/out" "$T/err" -a --delete "$T/src/" "$T/dst/"
    kill "$fpid"; wait "$fpid" 2>/dev/null
    iters=$((iters + 1))
    s=$(sed -n 's/.*swaps=\([0-9]*\).*/\1/p' "$T/flip.out"); swaps=$((swaps + ${s:-0}))
    case $RC in
        0) ;;
        23) racy_runs=$((racy_runs + 1)) ;;
        *) bad_rc=$((bad_rc + 1)); note "iteration $iters: exit $RC"; note_file "$T/err" 3 ;;
    esac
    if ! diff "$T/outside.before" <(H snap -c "$T/outside") >"$T/o.diff"; then
        escapes=$((escapes + $(grep -c '^[<>]' "$T/o.diff")))
        note "iteration $iters: OUTSIDE changed"
        note_file "$T/o.diff" 10
        mk_outside
        H snap -c "$T/outside" >"$T/outside.before"
    fi
done

# Positive control: naive rm -r in the same race.
ctl=0
for _ in $(seq 40); do
    mk_old
    rm -rf "$T/q" "$T/q".aside.*
    ln -s "$T/outside" "$T/q"
    HBG flipper "$T/dst/old/a/b" "$T/q" "$T/outside" 30 >/dev/null &
    fpid=$!
    wait_exec "$fpid" flipper
    H naive rmtree "$T/dst/old" >/dev/null 2>&1
    kill "$fpid"; wait "$fpid" 2>/dev/null
    ctl=$(diff "$T/outside.before" <(H snap -c "$T/outside" 2>/dev/null) | grep -c '^[<>]')
    [ "$ctl" -gt 0 ] && break
done
note "control: naive rmtree changed $ctl OUTSIDE snapshot line(s)"

result iterations="$iters" swaps="$swaps" runs_with_race_errors="$racy_runs" outside_changes="$escapes" \
    bad_exit="$bad_rc" control_escapes="$ctl"
[ "$ctl" -gt 0 ] || check_fail "positive control: naive rmtree did not escape (harness broken)"
[ "$escapes" = 0 ] || check_fail "OUTSIDE changed ($escapes snapshot lines): a delete escaped DEST"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc run(s) with an unexpected exit code"
[ "$iters" -ge 5 ] || check_fail "only $iters iterations in the budget"
verdict "$iters raced deletions ($swaps swaps): OUTSIDE unchanged; naive control escaped ($ctl)"
