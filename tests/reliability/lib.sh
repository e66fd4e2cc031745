# shellcheck shell=bash
# Reliability & security battery: shared library.  Source it from a test:
#     . "$(dirname "$0")/lib.sh"
# It sources ../lib/common.sh (temp dir, cleanup, verdicts, check_fail and
# verdict, prerequisites, ts, temp-file helpers: see there) and adds the
# C helpers, the RESULT counts and the runs as nobody.
#
# Environment:
#   TREESYNC        binary under test (default <repo>/build/treesync)
#   RELI_HELPERS    directory of the compiled C helpers (built on demand
#                   into ${TMPDIR:-/tmp}/treesync-reli-helpers.<uid>/<hash>)
#   RACE_SECONDS    budget of each race loop (default per test, 5-8 s)
#   RELI_TMPDIR     where the per-test temp dirs go (default /dev/shm when
#                   it is a writable tmpfs, else $TMPDIR or /tmp)
#   KEEP_TMP=1      keep the per-test temp dir
#   CC              compiler for the helpers (default cc)
#
# Protocol with run.sh: a test prints
#   COND: <pass condition, one line>
#   RESULT: key=value ...           (counts for the results table)
#   PASS: name: msg | FAIL: name: msg | SKIP: name: msg   (last line)
# and exits 0 (pass), 1 (fail) or 77 (skip).  A skip is only ever used
# when a prerequisite is missing, never after a check has failed (common.sh
# turns such a skip into a failure).

RELI_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$RELI_DIR/../lib/common.sh"

_RESULTS=()
cond() { echo "COND: $*"; }
result() { _RESULTS+=("$@"); }        # result key=value ...
# The RESULT line goes just before the verdict (common.sh calls this).
verdict_extra() {
    local IFS=' '
    [ ${#_RESULTS[@]} -eq 0 ] || echo "RESULT: ${_RESULTS[*]}"
}

# Work on tmpfs by default: file creation on this machine's ext4 root costs
# ~0.7 ms of system time per file, tmpfs 100x less.  RELI_TMPDIR overrides.
if [ -z "${RELI_TMPDIR:-}" ]; then
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && [ -w /dev/shm ]; then
        RELI_TMPDIR=/dev/shm
    else
        RELI_TMPDIR=${TMPDIR:-/tmp}
    fi
fi
tmpdir_init tsrel "$RELI_TMPDIR"
chmod 755 "$T"      # the scenarios that run as nobody work below it

# ------------------------------------------------------------ helpers (C)
build_helpers() {
    if [ -n "${RELI_HELPERS:-}" ] && [ -x "$RELI_HELPERS/snap" ]; then
        return 0
    fi
    local cc=${CC:-cc} h dir tmp src name
    command -v "$cc" >/dev/null || fail "no C compiler ($cc) for the helpers"
    h=$(cat "$RELI_DIR"/helpers/*.c | sha256sum | cut -c1-16)
    dir=${TMPDIR:-/tmp}/treesync-reli-helpers.$(id -u)/$h
    if [ ! -x "$dir/snap" ]; then
        mkdir -p "${dir%/*}" || fail "cannot create $dir"
        tmp=$(mktemp -d "${dir}.build.XXXXXX") || fail "mktemp"
        for src in "$RELI_DIR"/helpers/*.c; do
            name=$(basename "$src" .c)
            "$cc" -O2 -g -std=gnu11 -Wall -Wextra -o "$tmp/$name" "$src" -lxxhash \
                || fail "cannot compile helper $name"
        done
        chmod 755 "$tmp" "$tmp"/*
        mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"   # lost a race: fine
    fi
    chmod 755 "${dir%/*}" "$dir"
    RELI_HELPERS=$dir
    export RELI_HELPERS
}
# H NAME ARGS: run a helper.  HBG NAME ARGS &: the same as a background
# job whose PID is the helper itself (exec), so that kill reaches it.
H() { local n=$1; shift; "$RELI_HELPERS/$n" "$@"; }
HBG() { local n=$1; shift; trap - EXIT INT TERM HUP PIPE; exec "$RELI_HELPERS/$n" "$@"; }
# wait_exec PID NAME: wait until background job PID has exec'd NAME (so
# that a signal reaches the helper, not the forked shell).
wait_exec() {
    local i
    for ((i = 0; i < 1000; i++)); do
        [ -d "/proc/$1" ] || return 0
        [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
        sleep 0.002
    done
}

# ------------------------------------------------------------ running
# As ts, but as the unprivileged user nobody.
ts_nobody() {
    local out=$1 err=$2
    shift 2
    timeout -k 5 "${CMD_TIMEOUT:-60}" setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$TREESYNC" "$@" >"$out" 2>"$err" </dev/null
    RC=$?
}

# need_fault_injection: skips unless $TREESYNC honours TREESYNC_FAULTS (a
# build with -DTREESYNC_FAULT_INJECTION=ON): without it the injected cases
# would test nothing.  Another tool under test (the self-test's wrong
# ones) is run as it is.
need_fault_injection() {
    "$TREESYNC" --version 2>/dev/null | head -n1 | grep -q '^treesync ' || return 0
    mkdir -p "$T/probe/src"
    if TREESYNC_FAULTS='no_such_call@1=EIO' "$TREESYNC" -n -r "$T/probe/src/" "$T/probe/dst/" \
        >/dev/null 2>"$T/probe/err" || ! grep -q TREESYNC_FAULTS "$T/probe/err"; then
        skip "$TREESYNC ignores TREESYNC_FAULTS (built without -DTREESYNC_FAULT_INJECTION=ON): no fault can be injected"
    fi
}

# fdlimit N CMD...: CMD with RLIMIT_NOFILE N and only fds 0-2 inherited
# (bash's own 255 is above any such limit and takes no number).
fdlimit() {
    local n=$1
    shift
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ] && eval "exec $fd>&-"
        done
        ulimit -n "$n" && exec "$@"
    )
}

snap() { H snap "$@"; }
# same_tree A B [snap options]: snapshots equal except the root line's
# own name; prints a short diff when not.
same_tree() {
    local a=$1 b=$2
    shift 2
    if diff <(H snap "$@" "$a") <(H snap "$@" "$b") >"$T/.same_tree.diff"; then
        return 0
    fi
    note "trees differ: $a vs $b"
    note_file "$T/.same_tree.diff" 12
    return 1
}

# A manifest of versioned files for helpers/content.c: "SIZE1 SIZE2 PATH".
# make_manifest FILE NFILES SEED "SIZE..." [BIGSIZE NBIG]
make_manifest() {
    local file=$1 n=$2 seed=$3 sizes=$4 big=${5:-0} nbig=${6:-0}
    awk -v n="$n" -v seed="$seed" -v sizes="$sizes" -v big="$big" -v nbig="$nbig" 'BEGIN {
        srand(seed); ns = split(sizes, s, " ");
        for (i = 0; i < n; i++) {
            a = s[int(rand() * ns) + 1];
            # a third of the files keep their size across versions
            b = (rand() < 0.33) ? a : s[int(rand() * ns) + 1];
            printf "%d %d d%02d/sub%d/file%04d\n", a, b, i % 10, i % 3, i;
        }
        for (i = 0; i < nbig; i++)
            printf "%d %d big/big%02d\n", big + i * 4096, big - i * 8192 + 1, i;
    }' >"$file"
}
