# shellcheck shell=bash
# tests/lib/common.sh -- what the four shell harnesses share.
#
# tests/func, tests/fs, tests/reliability and tests/ops each have a lib.sh
# that every test script of theirs sources; each of those sources this file
# first and adds only what is its own (func: the rsync oracle; fs: loop,
# tmpfs and latencyfs mounts; reliability: the C helpers; ops: throttled
# copies and option lists).  The runners (run.sh) use tests/lib/runner.sh.
#
# What a test script gets from here:
#
#   TEST_NAME   the script's name without .sh (t1030-delete)
#   REPO        the repository's top directory
#   TREESYNC    the binary under test, absolute when it has a slash
#               (default $REPO/build/treesync; a bare name is looked up
#               in PATH, so TREESYNC=rsync works)
#   LC_ALL=C, umask 022, set -u, set -o pipefail
#
#   tmpdir_init PREFIX [BASE]   makes $T (BASE/PREFIX.TEST_NAME.XXXXXX,
#               BASE defaulting to $TMPDIR or /tmp) and arms the cleanup
#               that runs on any exit (pass, fail, skip, a signal):
#               1. background processes of bg_start/bg_track are killed
#                  ($BG_KILL_SIGNAL, default TERM) and reaped;
#               2. mounts of add_mount/mk_tmpfs are unmounted, last first
#                  (again after 0.3 s if busy, then lazily);
#               3. the at_exit commands run, in the order given;
#               4. $T is removed (KEEP_TMP=1 keeps it and prints its path).
#               Only the test's own shell cleans up, never a subshell.
#
#   Verdicts (the last line a test prints is one of them; run.sh reads it):
#     describe TEXT      what the test checks (the message of its PASS line)
#     pass [MSG]         "PASS: NAME: MSG", exit 0
#     fail MSG           "FAIL: NAME: DESC: MSG", exit 1
#     skip REASON        "SKIP: NAME: REASON", exit 77 -- but a test that
#                        has already recorded a failed check fails instead:
#                        a skip never hides a failure
#     check_fail MSG     record a failed check and go on
#     verdict [MSG]      fail with every recorded check, else pass
#     note TEXT, note_file FILE [MAXLINES]   indented notes
#
#   need_root [REASON], need_cmd CMD [PACKAGE], need_treesync,
#   ts_is_rsync (the binary under test is rsync: harness validation)
#   ts OUT ERR ARGS...   runs treesync (timeout CMD_TIMEOUT, stdin
#                        /dev/null); sets RC
#   TEMP_GLOB, count_temps DIR, list_temps DIR [N], no_temps DIR,
#   wait_for_temp DIR [SECONDS]          treesync's temp files
#   bg_start CMD... (sets BG), bg_track PID, alive PID, wait_pid PID [SECONDS]
#   now, elapsed START [DECIMALS], flt A B, fle A B
#   add_mount DIR, mk_tmpfs MiB DIR

set -u
set -o pipefail

TESTS_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$TESTS_LIB_DIR/../.." && pwd)
TEST_NAME=$(basename -- "$0" .sh)

# find_treesync: the binary under test in $TREESYNC, absolute when it is a
# path (tests run with another cwd), exported for the tests of a runner.
find_treesync() {
    : "${TREESYNC:=$REPO/build/treesync}"
    case $TREESYNC in /*) ;; */*) TREESYNC=$PWD/$TREESYNC ;; esac
    export TREESYNC
}
find_treesync

# Deterministic output: rsync and treesync escape non-ASCII bytes in names
# in the C locale; a test that wants UTF-8 sets it itself.
export LC_ALL=C
umask 022

# ------------------------------------------------------------ verdicts
DESC=
_FAILS=()
describe() { DESC="$*"; }
note() { printf '    %s\n' "$*"; }
note_file() {   # note_file FILE [MAXLINES]: the file, indented, controls visible
    local n=${2:-40} total
    [ -f "$1" ] || return 0
    sed -n "1,${n}p" -- "$1" | cat -v | sed 's/^/    | /'
    total=$(wc -l <"$1")
    [ "$total" -le "$n" ] || note "... ($((total - n)) more lines)"
}
# verdict_extra: printed before the verdict line; a harness may redefine it
# (reliability prints its RESULT counts there).
verdict_extra() { :; }
pass() { verdict_extra; echo "PASS: $TEST_NAME: ${*:-${DESC:-ok}}"; exit 0; }
fail() { verdict_extra; echo "FAIL: $TEST_NAME: ${DESC:+$DESC: }$*"; exit 1; }
skip() {
    if [ ${#_FAILS[@]} -gt 0 ]; then
        local IFS=';'
        fail "${#_FAILS[@]} check(s) failed before a skip ($*): ${_FAILS[*]}"
    fi
    verdict_extra
    echo "SKIP: $TEST_NAME: $*"
    exit 77
}
check_fail() { _FAILS+=("$*"); echo "  CHECK FAILED: $*"; }
verdict() {
    if [ ${#_FAILS[@]} -gt 0 ]; then
        local IFS=';'
        fail "${#_FAILS[@]} check(s) failed: ${_FAILS[*]}"
    fi
    pass "$@"
}

# ------------------------------------------------------------ temp dir, cleanup
MOUNTS=()               # mount points, in mount order
BG_PIDS=()              # background processes to end at exit
BG_KILL_SIGNAL=TERM
_EXIT_HOOKS=()
_MAIN_PID=$BASHPID

add_mount() { MOUNTS+=("$1"); }
bg_track() { BG_PIDS+=("$1"); }
at_exit() { _EXIT_HOOKS+=("$*"); }      # at_exit COMMAND: run at cleanup

_cleanup() {
    local p i m h
    # A background subshell that got a signal before exec'ing its command
    # must not remove $T under the test.
    [ "$BASHPID" = "$_MAIN_PID" ] || return 0
    for p in "${BG_PIDS[@]+"${BG_PIDS[@]}"}"; do
        kill -"$BG_KILL_SIGNAL" "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        m=${MOUNTS[i]}
        mountpoint -q -- "$m" || continue
        umount -- "$m" 2>/dev/null || { sleep 0.3; umount -- "$m" 2>/dev/null; } ||
            umount -l -- "$m" 2>/dev/null || echo "    warning: cannot unmount $m"
    done
    for h in "${_EXIT_HOOKS[@]+"${_EXIT_HOOKS[@]}"}"; do
        eval "$h"
    done
    if [ -n "${T:-}" ] && [ -d "$T" ]; then
        if [ "${KEEP_TMP:-0}" = 1 ]; then
            echo "    (kept temp dir $T)"
        else
            chmod -R u+rwX -- "$T" 2>/dev/null
            rm -rf --one-file-system -- "$T" 2>/dev/null
        fi
    fi
}

# tmpdir_init PREFIX [BASE]: the per-test temp dir $T and the exit traps.
tmpdir_init() {
    T=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/$1.$TEST_NAME.XXXXXX") || {
        echo "FAIL: $TEST_NAME: cannot create a temp dir"
        exit 1
    }
    trap _cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 129' HUP
    trap 'exit 143' TERM
    trap 'exit 141' PIPE
}

# mk_tmpfs MiB DIR: a tmpfs of MiB on DIR (made), unmounted at exit.
mk_tmpfs() {
    mkdir -p -- "$2"
    mount -t tmpfs -o "size=$1m" tmpfs "$2" || fail "cannot mount tmpfs on $2"
    add_mount "$2"
}

# ------------------------------------------------------------ prerequisites
need_root() { [ "$(id -u)" = 0 ] || skip "${1:-needs root}"; }
need_cmd() {    # need_cmd CMD [PACKAGE]
    command -v "$1" >/dev/null 2>&1 || skip "needs $1 (apt-get install ${2:-$1})"
}
need_treesync() {
    if [[ $TREESYNC == */* ]]; then
        [ -x "$TREESYNC" ] ||
            fail "binary under test not found: $TREESYNC (cmake -S $REPO -B $REPO/build && cmake --build $REPO/build, or set TREESYNC)"
    else
        command -v -- "$TREESYNC" >/dev/null || fail "binary under test not on PATH: $TREESYNC"
    fi
    ts_is_rsync || true     # decide once, in the test's own shell
}

# ts_is_rsync: the "treesync" under test is really rsync (harness
# validation, self-tests); decided once per test.
_TS_IS_RSYNC=
ts_is_rsync() {
    if [ -z "$_TS_IS_RSYNC" ]; then
        local v
        v=$(timeout 5 "$TREESYNC" --version </dev/null 2>/dev/null)
        if [[ ${v%%$'\n'*} == "rsync "* ]]; then _TS_IS_RSYNC=yes; else _TS_IS_RSYNC=no; fi
    fi
    [ "$_TS_IS_RSYNC" = yes ]
}

# ------------------------------------------------------------ running
# ts OUT ERR ARGS...: runs the binary under test, stdout and stderr to
# files, stdin /dev/null; sets RC (124 when it ran over CMD_TIMEOUT).
ts() {
    local out=$1 err=$2
    shift 2
    timeout -k 5 "${CMD_TIMEOUT:-60}" "$TREESYNC" "$@" >"$out" 2>"$err" </dev/null
    RC=$?
}

# bg_start CMD...: CMD in the background; its pid in BG, ended at exit.
bg_start() {
    "$@" &
    BG=$!
    bg_track "$BG"
}

# alive PID: running (a zombie waiting for its reaper does not count).
alive() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# wait_pid PID [SECONDS]: waits for a background child; sets WRC to its
# exit status, or to 124 (and kills it) after SECONDS (default 30).
# (stderr is closed: bash would report a killed job there.)
wait_pid() { _wait_pid "$@" 2>/dev/null; }
_wait_pid() {
    local pid=$1 n=$((${2:-30} * 20))
    while alive "$pid" && [ "$n" -gt 0 ]; do
        sleep 0.05
        n=$((n - 1))
    done
    if [ "$n" -le 0 ]; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        WRC=124
        return
    fi
    wait "$pid" 2>/dev/null
    WRC=$?
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" -v d="${2:-2}" 'BEGIN { printf "%.*f", d, b - a }'; }
flt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }     # A < B
fle() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }    # A <= B

# ------------------------------------------------------------ temp files
# treesync writes a file to ".NAME.XXXXXX.tstmp" in its final directory
# and renames it into place.  The glob is wider than that on purpose: a
# temp file with another shape is still debris (TEMP_NAME_RE is the exact
# shape, for a test that checks it).
TEMP_GLOB='*.tstmp'
TEMP_NAME_RE='/\.[^/]+\.[A-Za-z0-9]{6}\.tstmp$'
count_temps() { find "$1" -name "$TEMP_GLOB" 2>/dev/null | wc -l; }
list_temps() { find "$1" -name "$TEMP_GLOB" 2>/dev/null | head -n "${2:-5}"; }
no_temps() {    # no_temps DIR: fails if a temp file is left below DIR
    local left
    left=$(list_temps "$1" 20)
    [ -z "$left" ] || fail "temp files left behind: $left"
}
# wait_for_temp DIR [SECONDS]: true once a temp file exists below DIR.
wait_for_temp() {
    local n=$((${2:-10} * 50))
    while [ "$n" -gt 0 ]; do
        [ "$(count_temps "$1")" -gt 0 ] && return 0
        sleep 0.02
        n=$((n - 1))
    done
    return 1
}
