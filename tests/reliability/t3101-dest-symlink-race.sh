#!/bin/bash
# ST-01 Destination parent-component symlink race (G2; CVE-2024-12747
# class).
#
# DEST/sub is a real directory; a flipper swaps it, with
# renameat2(RENAME_EXCHANGE) in a tight loop, with a symlink to OUTSIDE
# kept outside DEST (so the attacker's link is never an extraneous entry
# of DEST).  OUTSIDE holds files and directories with the same names as
# DEST/sub's entries.  Meanwhile `treesync -a -I --delete` runs in a loop,
# alternating two sources (sub/dA vs sub/dB, 300 files rewritten every
# time with -I): temp create, write, chmod/chown/utime, rename, mkdir, and
# deletion of a subtree, all in the raced directory.
# Pass: OUTSIDE's snapshot (entries, content, mode, owner, mtime, ctime,
# incl. OUTSIDE itself) unchanged; exit codes only 0/23.
# Positive control: the naive path-based writer (helpers/naive.c) under
# the same flipper MUST change OUTSIDE, else the harness is broken (fail).
. "$(dirname "$0")/lib.sh"
cond "flipper swaps DEST/sub <-> symlink to OUTSIDE during repeated -a -I --delete runs: OUTSIDE unchanged (0 new/changed/deleted, incl. dir mtimes/ctimes); control: naive writer escapes"
need_treesync
build_helpers
budget=${RACE_SECONDS:-8}

mk_src() {   # mk_src DIR TAG SUBDIR
    local d=$1 tag=$2 sd=$3 i
    mkdir -p "$d/sub/$sd/deeper"
    for i in $(seq -w 0 299); do echo "$tag $i" >"$d/sub/f$i"; done
    for i in 1 2 3 4 5; do echo "$tag $i" >"$d/sub/$sd/x$i"; echo "$tag" >"$d/sub/$sd/deeper/y$i"; done
    chmod 640 "$d/sub/f000"
    echo top >"$d/top"
}
mk_src "$T/A" A dA
mk_src "$T/B" B dB
touch -d '2001-01-01' "$T/B/sub/f001"

mkdir -p "$T/outside/dA" "$T/outside/dB"
for i in $(seq -w 0 299); do echo "OUTSIDE $i" >"$T/outside/f$i"; done
for i in 1 2 3 4 5; do echo O >"$T/outside/dA/x$i"; echo O >"$T/outside/dB/x$i"; done
touch -d '2000-01-01' "$T/outside"/* "$T/outside"
sleep 0.01

ts "$T/out" "$T/err" -a "$T/A/" "$T/dst/"
[ "$RC" = 0 ] || { note_file "$T/err"; fail "initial sync: exit $RC"; }
ln -s "$T/outside" "$T/q"
H snap -c "$T/outside" >"$T/outside.before"

HBG flipper "$T/dst/sub" "$T/q" "$T/outside" $((budget + 30)) >"$T/flip.out" &
fpid=$!
wait_exec "$fpid" flipper
bg_track "$fpid"
runs=0 bad_rc=0
declare -A rcs=()
t0=$(now)
while flt "$(elapsed "$t0")" "$budget"; do
    if [ $((runs % 2)) = 0 ]; then from=B; else from=A; fi
    ts "$T/out" "$T/err" -a -I --delete "$T/$from/" "$T/dst/"
    runs=$((runs + 1))
    rcs[$RC]=$(( ${rcs[$RC]:-0} + 1 ))
    case $RC in 0|23) ;; *) bad_rc=$((bad_rc + 1)); note "run $runs: exit $RC"; note_file "$T/err" 3 ;; esac
done
kill "$fpid"; wait "$fpid" 2>/dev/null
flip=$(cat "$T/flip.out")
diff "$T/outside.before" <(H snap -c "$T/outside") >"$T/outside.diff"
escapes=$(grep -c '^[<>]' "$T/outside.diff")
[ "$escapes" = 0 ] || { note "OUTSIDE changed:"; note_file "$T/outside.diff" 20; }
rc_summary=$(for k in "${!rcs[@]}"; do printf '%s:%s,' "$k" "${rcs[$k]}"; done)
note "treesync: $runs runs, exit codes ${rc_summary%,}; flipper: $flip"

# Positive control: the same race with a path-based writer.
[ -L "$T/q" ] || [ -L "$T/dst/sub" ] || { rm -rf "$T/q"; ln -s "$T/outside" "$T/q"; }
[ -e "$T/dst/sub" ] || mkdir "$T/dst/sub"
H snap -c "$T/outside" >"$T/outside.before2"
HBG flipper "$T/dst/sub" "$T/q" "$T/outside" 30 >"$T/flip2.out" &
fpid=$!
wait_exec "$fpid" flipper
bg_track "$fpid"
ctl_escapes=0
for _ in 1 2 3 4; do
    H naive write "$T/dst/sub" 1 >"$T/naive.out" 2>/dev/null
    ctl_escapes=$(diff "$T/outside.before2" <(H snap -c "$T/outside" 2>/dev/null) | grep -c '^[<>]')
    [ "$ctl_escapes" -gt 0 ] && break
done
kill "$fpid"; wait "$fpid" 2>/dev/null
note "control: naive writer $(cat "$T/naive.out"); OUTSIDE lines changed: $ctl_escapes"

result runs="$runs" flipper="${flip// /,}" outside_changes="$escapes" bad_exit="$bad_rc" control_escapes="$ctl_escapes"
[ "$ctl_escapes" -gt 0 ] || check_fail "positive control: the naive writer did not escape (harness broken)"
[ "$runs" -ge 3 ] || check_fail "only $runs treesync runs in the budget"
[ "$escapes" = 0 ] || check_fail "OUTSIDE changed ($escapes snapshot lines): writes escaped DEST"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc run(s) with an unexpected exit code"
verdict "$runs runs under $flip: OUTSIDE unchanged; naive control escaped ($ctl_escapes)"
