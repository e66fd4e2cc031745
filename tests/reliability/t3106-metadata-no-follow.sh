#!/bin/bash
# ST-06 Metadata is never applied through a symlink; temps never exposed
# (G2).  Run as root with -a (owner, group, perms, times).
#
# Static: DEST entries that are symlinks to OUTSIDE/victim (or vdir):
#   lnk  SRC symlink with the SAME target, other mtime and owner: only the
#        link's own attributes may change (lchown/lutimes), not the victim's
#   f    SRC regular file 0600 (owner nobody)   d  SRC directory 0700
#   p    SRC FIFO 0640                          suid  SRC 4755 owned by nobody
# Race (RACE_SECONDS): an attacker watches DEST with inotify and, for every
# temp treesync creates, records whether it is readable by group/others,
# then renames a symlink to OUTSIDE/victim over the temp name (the leaf
# flip between the write and the metadata steps; the 0600 source files'
# temps must never be readable by others), while `treesync -a -I`
# runs in a loop.
# Pass: OUTSIDE/victim and OUTSIDE/vdir unchanged (mode, owner, times,
# ctime, content); the link's attributes applied to the link; suid kept
# with owner nobody; 0 exposed temps; exit codes 0/23.
# Positive control: a path-based "write temp, then chmod it by name" under
# the same attacker MUST change the victim.
. "$(dirname "$0")/lib.sh"
cond "chmod/chown/utime never reach a symlink's target (static plants + leaf flips of temps); temps created private; control: path-based chmod is redirected"
need_root
need_treesync
build_helpers
budget=${RACE_SECONDS:-5}

mkdir -p "$T/outside/vdir" "$T/src/d"
echo VICTIM >"$T/outside/victim"
chmod 644 "$T/outside/victim"
echo V >"$T/outside/vdir/v"
find "$T/outside" -exec touch -h -d '2000-01-01' {} +
H snap -c "$T/outside" >"$T/outside.before"

ln -s "$T/outside/victim" "$T/src/lnk"
chown -h nobody:nogroup "$T/src/lnk"
touch -h -d '2015-01-01' "$T/src/lnk"
echo f >"$T/src/f"; chmod 600 "$T/src/f"; chown nobody:nogroup "$T/src/f"
echo in >"$T/src/d/in"; chmod 700 "$T/src/d"; chown nobody:nogroup "$T/src/d"
mkfifo -m 640 "$T/src/p"
echo suid >"$T/src/suid"; chown nobody:nogroup "$T/src/suid"; chmod 4755 "$T/src/suid"
touch -d '2016-01-01' "$T/src/f" "$T/src/d" "$T/src/suid"

mkdir -p "$T/dst"
ln -s "$T/outside/victim" "$T/dst/lnk"
ln -s "$T/outside/victim" "$T/dst/f"
ln -s "$T/outside/vdir" "$T/dst/d"
ln -s "$T/outside/victim" "$T/dst/p"
ln -s "$T/outside/victim" "$T/dst/suid"

wrong=0 bad_rc=0 escaped=0
ts "$T/out" "$T/err" -a "$T/src/" "$T/dst/"
[ "$RC" = 0 ] || { bad_rc=$((bad_rc + 1)); note "static: exit $RC"; note_file "$T/err" 4; }
if ! diff "$T/outside.before" <(H snap -c "$T/outside") >"$T/o.diff"; then
    escaped=$((escaped + 1)); note "static: OUTSIDE changed"; note_file "$T/o.diff" 6
    find "$T/outside" -exec touch -h -d '2000-01-01' {} +; chmod 644 "$T/outside/victim"; chown root:root "$T/outside/victim"
    H snap -c "$T/outside" >"$T/outside.before"
fi
[ -L "$T/dst/lnk" ] && [ "$(stat -c '%U %Y' "$T/dst/lnk")" = "nobody $(stat -c %Y "$T/src/lnk")" ] ||
    { wrong=$((wrong + 1)); note "static: lnk's own owner/mtime not applied: $(stat -c '%U %y' "$T/dst/lnk")"; }
[ -f "$T/dst/f" ] && [ ! -L "$T/dst/f" ] && [ "$(stat -c '%a %U' "$T/dst/f")" = "600 nobody" ] ||
    { wrong=$((wrong + 1)); note "static: f not a private regular file owned by nobody"; }
[ -d "$T/dst/d" ] && [ ! -L "$T/dst/d" ] && [ "$(stat -c %a "$T/dst/d")" = 700 ] ||
    { wrong=$((wrong + 1)); note "static: d not a 0700 directory"; }
[ -p "$T/dst/p" ] && [ "$(stat -c %a "$T/dst/p")" = 640 ] || { wrong=$((wrong + 1)); note "static: p not a 0640 FIFO"; }
[ "$(stat -c '%a %U' "$T/dst/suid" 2>/dev/null)" = "4755 nobody" ] ||
    { wrong=$((wrong + 1)); note "static: suid is $(stat -c '%a %U' "$T/dst/suid" 2>/dev/null), expected 4755 nobody"; }

# Race: leaf flips of temp files.
mkdir -p "$T/rsrc"
for i in $(seq -w 1 60); do head -c 300000 /dev/zero | tr '\0' S >"$T/rsrc/file$i"; chmod 600 "$T/rsrc/file$i"; done
for i in 1 2 3 4 5; do
    echo s >"$T/rsrc/suid$i"; chown nobody:nogroup "$T/rsrc/suid$i"; chmod 4755 "$T/rsrc/suid$i"
    mkfifo -m 600 "$T/rsrc/fifo$i"
    ln -s target$i "$T/rsrc/link$i"
done
mkdir -p "$T/rdst"
HBG mutator leafswap "$T/rdst" "$T/outside/victim" $((budget + 20)) file >"$T/atk.out" 2>"$T/atk.err" &
apid=$!
for _ in $(seq 200); do grep -q ready "$T/atk.out" 2>/dev/null && break; sleep 0.01; done
runs=0 hits=0
declare -A rcs=()
t0=$(now)
while flt "$(elapsed "$t0")" "$budget"; do
    ts "$T/out" "$T/err" -a -I --copy-method=readwrite "$T/rsrc/" "$T/rdst/"
    runs=$((runs + 1))
    rcs[$RC]=$(( ${rcs[$RC]:-0} + 1 ))
    case $RC in 0|23) ;; *) bad_rc=$((bad_rc + 1)); note "race run $runs: exit $RC"; note_file "$T/err" 3 ;; esac
    # Effective flips: final names that the attacker's symlink reached.
    n=$(find "$T/rdst" -maxdepth 1 -type l -lname "$T/outside/victim" ! -name '.*' | wc -l)
    hits=$((hits + n))
done
kill "$apid"; wait "$apid" 2>/dev/null
atk=$(grep temps_seen "$T/atk.out")
exposed=$(sed -n 's/.*exposed=\([0-9]*\).*/\1/p' <<<"$atk")
swapped=$(sed -n 's/.*swapped=\([0-9]*\).*/\1/p' <<<"$atk")
rc_summary=$(for k in "${!rcs[@]}"; do printf '%s:%s,' "$k" "${rcs[$k]}"; done)
note "race: $runs runs, exit codes ${rc_summary%,}; attacker: $atk"
note_file "$T/atk.err" 5
if ! diff "$T/outside.before" <(H snap -c "$T/outside") >"$T/o.diff"; then
    escaped=$((escaped + 1)); note "race: OUTSIDE changed"; note_file "$T/o.diff" 6
fi

# Positive control: write a temp, then chmod it by name.
find "$T/outside" -exec touch -h -d '2000-01-01' {} +; chmod 644 "$T/outside/victim"
H snap -c "$T/outside" >"$T/outside.before"
mkdir -p "$T/cdst"
HBG mutator leafswap "$T/cdst" "$T/outside/victim" 30 >"$T/catk.out" 2>/dev/null &
apid=$!
for _ in $(seq 200); do grep -q ready "$T/catk.out" 2>/dev/null && break; sleep 0.01; done
ctl=0
for i in $(seq 50); do
    tmp="$T/cdst/.ctl$i.AbCdEf.tstmp"
    echo data >"$tmp"
    sleep 0.005
    chmod 0777 "$tmp" 2>/dev/null
    touch "$tmp" 2>/dev/null
    rm -f "$tmp"
    if ! diff -q "$T/outside.before" <(H snap -c "$T/outside") >/dev/null; then ctl=1; break; fi
done
kill "$apid"; wait "$apid" 2>/dev/null
note "control: path-based chmod redirected to the victim: $ctl (after $i tries)"

result race_runs="$runs" temps_attacked="${swapped:-0}" flips_reaching_final_names="$hits" exposed_temps="${exposed:-?}" outside_changed="$escaped" \
    wrong="$wrong" bad_exit="$bad_rc" control_escaped="$ctl"
[ "$ctl" = 1 ] || check_fail "positive control: path-based chmod not redirected (harness broken)"
[ "$hits" -gt 0 ] || check_fail "no leaf flip landed before the rename (harness did not race)"
[ "$escaped" = 0 ] || check_fail "OUTSIDE changed: metadata applied through a symlink"
[ "${exposed:-1}" = 0 ] || check_fail "$exposed temp(s) readable by group/others at creation"
[ "$wrong" = 0 ] || check_fail "$wrong wrong static result(s)"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc unexpected exit code(s)"
verdict "static plants and $swapped leaf flips ($hits reached final names): victim unchanged, 0 exposed temps; control escaped"
