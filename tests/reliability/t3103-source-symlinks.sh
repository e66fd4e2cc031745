#!/bin/bash
# ST-03 Source-side symlinks: policy and races (G2, G11).
#
# OUTSIDE holds a root-only `secret` (mode 600) with a unique marker and an
# `outside-only-NAME` file.  SRC holds symlinks: absolute to the secret,
# relative escaping (../../outside/secret), `a/../../..`-style, in-tree
# relative, to the OUTSIDE directory, dangling, a chain ending at the
# secret, a self loop.
# Static: -a (-l) copies every link verbatim (readlink byte-equal, still
# a symlink); -r (no -l) skips them ("skipping non-regular file") and
# creates none; in both the secret's bytes and OUTSIDE's names never
# appear in DEST.
# Race (RACE_SECONDS): two flippers swap SRC/d (a directory) with a symlink
# to OUTSIDE, and SRC/f (a regular file) with a symlink to the secret,
# while `treesync -a` runs in a loop into a fresh DEST.
# Pass: the secret's marker never in a regular file of DEST, no
# outside-only name in DEST; exit codes only 0/23/24.
# Positive control: a naive lstat-then-open path-based copier under the
# same flippers MUST read OUTSIDE (secret or outside-only name in its copy).
. "$(dirname "$0")/lib.sh"
cond "source symlinks copied verbatim with -l, skipped without; under file/dir<->symlink flipping the secret and OUTSIDE's entries never reach DEST; control: naive copier leaks"
need_treesync
build_helpers
budget=${RACE_SECONDS:-6}

marker="SECRET-$RANDOM$RANDOM$RANDOM"
mkdir -p "$T/outside" "$T/src/in/deep"
echo "$marker" >"$T/outside/secret"
chmod 600 "$T/outside/secret"
echo "$marker" >"$T/outside/outside-only-name"
echo inner >"$T/src/in/deep/file"
ln -s "$T/outside/secret" "$T/src/abs"
ln -s ../../outside/secret "$T/src/rel_up"
ln -s in/deep/../../../outside/secret "$T/src/dotdot"
ln -s in/deep/file "$T/src/inner"
ln -s "$T/outside" "$T/src/dirlink"
ln -s /nonexistent/target "$T/src/dangling"
ln -s chain2 "$T/src/chain1"
ln -s "$T/outside/secret" "$T/src/chain2"
ln -s selfloop "$T/src/selfloop"
ln -s ../abs "$T/src/in/up"
links=(abs rel_up dotdot inner dirlink dangling chain1 chain2 selfloop in/up)

leaks=0 wrong=0 bad_rc=0
leak_check() {   # leak_check WHAT DIR
    if grep -rlq --binary-files=text "$marker" "$2" 2>/dev/null; then
        leaks=$((leaks + 1)); note "$1: the secret's bytes are in DEST: $(grep -rl --binary-files=text "$marker" "$2" | head -2 | tr '\n' ' ')"
    fi
    if [ -n "$(find "$2" -name 'outside-only-*' 2>/dev/null | head -1)" ]; then
        leaks=$((leaks + 1)); note "$1: OUTSIDE's entries were listed into DEST"
    fi
}

# Static, -a: links verbatim.
ts "$T/out" "$T/err" -a "$T/src/" "$T/dst1/"
[ "$RC" = 0 ] || { bad_rc=$((bad_rc + 1)); note "-a: exit $RC"; note_file "$T/err" 4; }
for l in "${links[@]}"; do
    if [ ! -L "$T/dst1/$l" ] || [ "$(readlink "$T/dst1/$l")" != "$(readlink "$T/src/$l")" ]; then
        wrong=$((wrong + 1)); note "-a: $l not copied verbatim as a symlink"
    fi
done
leak_check "-a" "$T/dst1"

# Static, -r: links skipped.
ts "$T/out" "$T/err" -r -v "$T/src/" "$T/dst2/"
[ "$RC" = 0 ] || { bad_rc=$((bad_rc + 1)); note "-r: exit $RC"; note_file "$T/err" 4; }
for l in "${links[@]}"; do
    if [ -e "$T/dst2/$l" ] || [ -L "$T/dst2/$l" ]; then
        wrong=$((wrong + 1)); note "-r: $l was created (links must be skipped without -l)"
    fi
done
grep -q 'skipping non-regular file' "$T/out" "$T/err" || note "-r: no 'skipping non-regular file' message"
[ "$(cat "$T/dst2/in/deep/file" 2>/dev/null)" = inner ] || { wrong=$((wrong + 1)); note "-r: regular files not copied"; }
leak_check "-r" "$T/dst2"

# Race.
rm -rf "$T/rsrc"
mkdir -p "$T/rsrc/d/sub"
for i in $(seq 1 40); do echo "public $i" >"$T/rsrc/d/p$i"; done
echo public >"$T/rsrc/d/sub/x"
head -c 300000 /dev/zero | tr '\0' P >"$T/rsrc/f"
ln -s "$T/outside" "$T/qd"
ln -s "$T/outside/secret" "$T/qf"
start_flippers() {
    HBG flipper "$T/rsrc/d" "$T/qd" "$T/outside" 60 >"$T/fd.out" &
    fd=$!
    HBG flipper "$T/rsrc/f" "$T/qf" "$T/outside/secret" 60 >"$T/ff.out" &
    ff=$!
    wait_exec "$fd" flipper
    wait_exec "$ff" flipper
}
stop_flippers() { kill "$fd" "$ff"; wait "$fd" "$ff" 2>/dev/null; }
start_flippers
runs=0
declare -A rcs=()
t0=$(now)
while flt "$(elapsed "$t0")" "$budget"; do
    rm -rf "$T/rdst"
    ts "$T/out" "$T/err" -a "$T/rsrc/" "$T/rdst/"
    runs=$((runs + 1))
    rcs[$RC]=$(( ${rcs[$RC]:-0} + 1 ))
    case $RC in 0|23|24) ;; *) bad_rc=$((bad_rc + 1)); note "race run $runs: exit $RC"; note_file "$T/err" 3 ;; esac
    leak_check "race run $runs" "$T/rdst"
done
stop_flippers
rc_summary=$(for k in "${!rcs[@]}"; do printf '%s:%s,' "$k" "${rcs[$k]}"; done)
note "race: $runs runs, exit codes ${rc_summary%,}; flippers: $(cat "$T/fd.out") / $(cat "$T/ff.out")"

# Positive control: the naive copier must leak.
ctl=0
[ -e "$T/rsrc/d" ] || ln -s "$T/outside" "$T/rsrc/d"
start_flippers
for _ in $(seq 300); do
    rm -rf "$T/cdst"
    H naive copy "$T/rsrc" "$T/cdst" >/dev/null 2>&1
    if grep -rlq --binary-files=text "$marker" "$T/cdst" 2>/dev/null ||
       [ -n "$(find "$T/cdst" -name 'outside-only-*' | head -1)" ]; then
        ctl=1; break
    fi
done
stop_flippers
note "control: naive copier leaked: $ctl"

result links="${#links[@]}" race_runs="$runs" leaks="$leaks" wrong="$wrong" bad_exit="$bad_rc" control_leaked="$ctl"
[ "$ctl" = 1 ] || check_fail "positive control: the naive copier never read OUTSIDE (harness broken)"
[ "$leaks" = 0 ] || check_fail "$leaks leak(s) of OUTSIDE content into DEST"
[ "$wrong" = 0 ] || check_fail "$wrong wrong symlink result(s)"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc unexpected exit code(s)"
verdict "${#links[@]} links verbatim/skipped; $runs raced runs, 0 leaks; control leaked"
