# shellcheck shell=bash
# File-system matrix test library for treesync: loop file systems, tmpfs
# and latencyfs mounts inside a per-test temp dir, torn down on any exit.
#
# Source it from a test script:   . "$(dirname "$0")/lib.sh"
# It sources ../lib/common.sh (temp dir, cleanup of mounts, verdicts,
# prerequisites, temp-file helpers: see there) and adds the file systems.
#
# Environment:
#   TREESYNC     binary under test (default <repo>/build/treesync)
#   LATENCYFS    latencyfs binary (default: next to TREESYNC, else
#                <repo>/build/latencyfs)
#   TSFS_RESULTS file that collects one TSV row per measured run, for the
#                summary table of run.sh (default: $T/results, dropped)
#   CMD_TIMEOUT  seconds allowed for one treesync run (default 120)
#   KEEP_TMP=1   keep the temp dir (file systems are still unmounted)
#
# Conventions inside a test:
#   $T            the per-test temp dir (on the root fs, ext4 here)
#   need_root, need_loop TYPE..., need_fuse   skip (77) when impossible
#   mk_loopfs TYPE MiB MNT [mkfs args]        image + losetup + mount
#   mk_tmpfs MiB MNT                          (common.sh)
#   mount_lfs BACKING MNT [latencyfs -o options]
#   ts_measure NAME ARGS...   run treesync; $T/NAME.out, .err; TS_RC, TS_SECS
#   ts_bytes NAME METHOD   bytes that --stats puts under METHOD
#   record CASE PAIR ASKED MOVED BYTES SECS [NOTE]   one summary row
#
# Cleanup: every mount made here is unmounted (common.sh: last first,
# lazily if busy), every latencyfs daemon started here is waited for (and signalled only if
# it outlives its mount), and only the loop devices attached here are
# detached.  Nothing else on the machine is touched.

FS_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$FS_DIR/../lib/common.sh"

if [ -z "${LATENCYFS:-}" ]; then
    for LATENCYFS in "$(dirname -- "$TREESYNC")/latencyfs" "$REPO/build/latencyfs"; do
        [ -x "$LATENCYFS" ] && break
    done
fi
: "${CMD_TIMEOUT:=120}"

LOOPS=()        # loop devices attached by this test
LFS_PIDS=()     # latencyfs daemons started by this test

# After the unmounts (common.sh): each latencyfs daemon ends with its mount
# (writing its stats file) and is reaped here; then our loop devices go.
_fs_cleanup() {
    local pid dev n
    for pid in "${LFS_PIDS[@]+"${LFS_PIDS[@]}"}"; do
        for ((n = 0; n < 50; n++)); do
            alive "$pid" || break
            sleep 0.1
        done
        alive "$pid" && kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for dev in "${LOOPS[@]+"${LOOPS[@]}"}"; do
        losetup -d "$dev" 2>/dev/null || echo "    warning: cannot detach $dev"
    done
}
tmpdir_init tsfs
at_exit _fs_cleanup
: "${TSFS_RESULTS:=$T/results}"

need_treesync

# ------------------------------------------------------------ preconditions
# need_loop [TYPE...]: loop devices, and mkfs for each TYPE.
need_loop() {
    local t
    need_root "needs root to mount file systems"
    [ -e /dev/loop-control ] || skip "no /dev/loop-control: cannot make loop file systems"
    command -v losetup >/dev/null || skip "losetup not installed"
    for t in "$@"; do
        command -v "mkfs.$t" >/dev/null || skip "mkfs.$t not installed"
        grep -qw "$t" /proc/filesystems || modprobe "$t" 2>/dev/null ||
            skip "the kernel has no $t"
    done
}

need_fuse() {
    need_root "needs root to mount file systems"
    [ -e /dev/fuse ] || skip "no /dev/fuse: cannot mount latencyfs"
    [ -x "$LATENCYFS" ] || skip "latencyfs not built (needs libfuse3-dev; cmake builds it next to treesync)"
}

# needs_option OPTION: skip unless treesync --help lists OPTION.
needs_option() {
    "$TREESYNC" --help 2>&1 | grep -q -- "$1" || skip "needs $1 (treesync --help lacks it)"
}

# ------------------------------------------------------------ mounts
# mk_loopfs TYPE MiB MNT [extra mkfs args]: a sparse image in $T, attached
# to a loop device, formatted, mounted on MNT (created).
mk_loopfs() {
    local type=$1 mib=$2 mnt=$3 img dev
    shift 3
    img=$T/$(basename -- "$mnt").img
    truncate -s "${mib}M" "$img" || fail "cannot create $img"
    case $type in
    btrfs)
        if [ "$mib" -le 256 ]; then set -- --mixed "$@"; fi
        mkfs.btrfs -q -f "$@" "$img" >"$T/mkfs.log" 2>&1 ;;
    xfs)
        # xfsprogs 6.1 refuses file systems below 300 MB without these.
        TEST_DIR=/tmp TEST_DEV=x QA_CHECK_FS=1 \
            mkfs.xfs -q -f -m reflink=1 "$@" "$img" >"$T/mkfs.log" 2>&1 ;;
    ext4)
        mkfs.ext4 -q -F "$@" "$img" >"$T/mkfs.log" 2>&1 ;;
    *)
        fail "mk_loopfs: unknown type $type" ;;
    esac || { note_file "$T/mkfs.log"; fail "mkfs.$type failed"; }
    # Direct I/O: the image's pages are not cached a second time under
    # the loop device (the 2 GiB copies are much steadier that way).
    dev=$(losetup -f --show --direct-io=on -- "$img" 2>/dev/null) ||
        dev=$(losetup -f --show -- "$img") || fail "losetup failed for $img"
    LOOPS+=("$dev")
    mkdir -p -- "$mnt"
    mount -t "$type" -- "$dev" "$mnt" || fail "cannot mount $type ($dev) on $mnt"
    add_mount "$mnt"
}

# mount_lfs BACKING MNT [OPTS]: latencyfs over BACKING on MNT.  Its stats
# file is $T/NAME.stats and its pid file $T/NAME.pid (NAME: MNT's base).
# LFS_PERMS (default allow_other,default_permissions) may be set empty: a
# test that counts requests then sees no GETATTR of a directory per
# permission check, as the benchmark's mounts do not.
# The daemon runs in the foreground as this shell's child, so that this
# shell reaps it (init here does not reap orphans promptly).
mount_lfs() {
    local backing=$1 mnt=$2 opts=${3:-} name pid n
    name=$(basename -- "$mnt")
    mkdir -p -- "$mnt" "$backing"
    rm -f -- "$T/$name.pid" "$T/$name.stats"
    "$LATENCYFS" -f -o "quiet,${LFS_PERMS-allow_other,default_permissions},stats=$T/$name.stats,pidfile=$T/$name.pid${opts:+,$opts}" \
        "$backing" "$mnt" >"$T/$name.lfs.log" 2>&1 &
    pid=$!
    LFS_PIDS+=("$pid")
    add_mount "$mnt"
    # The pid file is written once the file system is mounted.
    for ((n = 0; n < 100; n++)); do
        [ -s "$T/$name.pid" ] && mountpoint -q -- "$mnt" && return 0
        alive "$pid" || break
        sleep 0.05
    done
    note_file "$T/$name.lfs.log"
    fail "cannot mount latencyfs on $mnt"
}

# lfs_refresh MNT: has the daemon rewrite its stats file, and waits for it.
lfs_refresh() {
    local name f pid old new n
    name=$(basename -- "$1")
    f=$T/$name.stats
    pid=$(cat "$T/$name.pid") || fail "no pid file for latencyfs on $1"
    old=$(awk '$1 == "generation" { print $2 }' "$f" 2>/dev/null)
    old=${old:-0}
    kill -USR1 "$pid" || fail "latencyfs ($pid) is gone"
    for ((n = 0; n < 100; n++)); do
        new=$(awk '$1 == "generation" { print $2 }' "$f" 2>/dev/null)
        [ "${new:-0}" -gt "$old" ] && return 0
        sleep 0.05
    done
    fail "latencyfs on $1 did not write $f"
}

lfs_val() {     # lfs_val MNT KEY: a counter from the last refresh
    awk -v k="$2" '$1 == k { print $2 }' "$T/$(basename -- "$1").stats"
}

# ------------------------------------------------------------ running
# ts_measure NAME ARGS...: runs treesync ARGS; stdout/stderr in
# $T/NAME.out/.err; sets TS_RC and TS_SECS (wall time).
ts_measure() {
    local name=$1 t0
    shift
    t0=$(now)
    timeout -k 5 "$CMD_TIMEOUT" "$TREESYNC" "$@" >"$T/$name.out" 2>"$T/$name.err"
    TS_RC=$?
    TS_SECS=$(elapsed "$t0" 3)
    note "treesync $* -> exit $TS_RC in ${TS_SECS}s"
}

ts_show() {     # ts_show NAME: what treesync printed
    note "stdout:"; note_file "$T/$1.out" 40
    note "stderr:"; note_file "$T/$1.err" 20
}

# stop_run SIG PID WHAT: sends SIG to a treesync run (this shell's child)
# whose I/O is stuck; fails unless it ends within 5 s.  Sets STOP_RC (its
# exit status) and STOP_SECS (from the signal to its end).
stop_run() {
    local sig=$1 pid=$2 what=$3 t0
    t0=$(now)
    kill "-$sig" "$pid"
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
    if alive "$pid"; then
        kill -KILL "$pid"; wait "$pid" 2>/dev/null
        fail "$what: SIG$sig did not end the run within 5 s (the stuck call held it)"
    fi
    wait "$pid"; STOP_RC=$?
    STOP_SECS=$(elapsed "$t0")
    note "$what: SIG$sig -> exit $STOP_RC after ${STOP_SECS}s"
}

# ts_bytes NAME METHOD: bytes from "Copied by METHOD: N bytes in N files".
ts_bytes() {
    local v
    v=$(grep -F "Copied by $2: " "$T/$1.out" | head -n1 |
        sed -e 's/.*: \([0-9,]*\) bytes.*/\1/' -e 's/,//g')
    echo "${v:-0}"
}

# moved_by NAME: the methods that moved bytes, e.g. "sendfile" or
# "copy_file_range+read/write"; "none" when no data moved.
moved_by() {
    local m out=
    for m in copy_file_range sendfile read/write; do
        [ "$(ts_bytes "$1" "$m")" -gt 0 ] && out=${out:+$out+}$m
    done
    echo "${out:-none}"
}

# record CASE PAIR ASKED MOVED BYTES SECS [NOTE]: one row of the summary.
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" \
        >>"$TSFS_RESULTS"
}

# ------------------------------------------------------------ checks
# extent_counts FILE: prints "TOTAL SHARED" from filefrag -v.
extent_counts() {
    filefrag -v -- "$1" 2>/dev/null | awk '
        /^ *[0-9]+:/ { total++; if ($0 ~ /shared/) shared++ }
        END { printf "%d %d\n", total, shared }'
}

# rand_file PATH BYTES: random content of exactly BYTES.
rand_file() {
    head -c "$2" /dev/urandom >"$1" || fail "cannot write $1"
}

# same_tree A B: the regular files of A and B have the same names and bytes
# (a temp file left in B is a difference).
same_tree() {
    local f
    (cd "$1" && find . -type f | sort) >"$T/tree.a"
    (cd "$2" && find . -type f | sort) >"$T/tree.b"
    diff "$T/tree.a" "$T/tree.b" >/dev/null ||
        { diff "$T/tree.a" "$T/tree.b" | sed 's/^/    /'; fail "file lists differ: $1 $2"; }
    while read -r f; do
        cmp -s -- "$1/$f" "$2/$f" || fail "content differs: $f"
    done <"$T/tree.a"
}
