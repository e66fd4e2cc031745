# shellcheck shell=bash
# Functional / differential test library for treesync.
#
# Source it from a test script:   . "$(dirname "$0")/lib.sh"
# It sources ../lib/common.sh (temp dir, cleanup, verdicts, prerequisites,
# temp-file helpers: see there) and adds the rsync oracle.
#
# Environment:
#   TREESYNC   binary under test (default: <repo>/build/treesync)
#   RSYNC      the oracle (default: rsync from PATH)
#   PYTHON     python3 used for snap.py / stamp.py
#   KEEP_TMP=1 keep the per-test temp dir (its path is printed on exit)
#   CMD_TIMEOUT seconds allowed for one rsync/treesync invocation (default 30)
#   SHOW_RUNS=1 print the command, exit code, stdout, stderr of every run
#   COMPARE_CREATED_DIR=0 ignore rsync's "created directory X" lines (default 1:
#                         treesync prints them exactly as rsync does)
#
# Conventions inside a test:
#   $T    the per-test temp dir (removed on exit)
#   $SRC  $T/src, where a test builds its source tree
#   $DST  $T/dst, the *starting* destination (may be absent)
#   run_both copies $DST to $RS_DST and $TS_DST, rewrites every argument that
#   starts with $DST to point into the copy, and runs rsync into one and
#   treesync into the other.

FUNC_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$FUNC_DIR/../lib/common.sh"

: "${RSYNC:=rsync}"
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
: "${CMD_TIMEOUT:=30}"

# rsync escapes non-ASCII bytes in names as \#ooo in the C locale (set by
# common.sh); the oracle must not see a remote shell or old-args setting.
unset RSYNC_RSH RSYNC_PROTECT_ARGS RSYNC_OLD_ARGS RSYNC_ICONV 2>/dev/null || true

tmpdir_init tsfunc
# shellcheck disable=SC2034  # used by the tests
SRC=$T/src
DST=$T/dst
RS_DST=$T/out.rsync
TS_DST=$T/out.treesync

# need_func: the binary under test (common.sh) and the oracle.
need_func() {
    need_treesync
    command -v -- "$RSYNC" >/dev/null || skip "oracle rsync not found: $RSYNC"
}

# ---------------------------------------------------------------- trees
snap() {   # snap DIR [snap.py flags]
    local d=$1; shift
    "$PYTHON" "$FUNC_DIR/snap.py" "$@" "$d"
}

# stamp DIR [BASE]: distinct deterministic mtimes (with nanoseconds) on every
# entry of DIR, root included.  Call it last, after the tree is complete.
stamp() { "$PYTHON" "$FUNC_DIR/stamp.py" "$@"; }

# Copy a tree preserving everything, directory mtimes included (cp -a sets a
# directory's times after filling it).
copy_tree() { cp -a -- "$1" "$2"; }

# Write N pseudo-random bytes to FILE.
mkdata() { head -c "$2" /dev/urandom >"$1"; }

# make_mixed_tree DIR: the standard mixed source tree.
make_mixed_tree() {
    local d=$1
    mkdir -p "$d/a/b/c" "$d/empty_dir" "$d/private_dir/inner" "$d/odd"
    printf 'deep\n' >"$d/a/b/c/deep.txt"
    printf 'mid\n' >"$d/a/b/mid.txt"
    printf 'top\n' >"$d/a/top.txt"
    : >"$d/empty_file"
    printf 'x' >"$d/one_byte"
    mkdata "$d/page_4096" 4096
    mkdata "$d/big_1MiB_13" $((1048576 + 13))
    printf '#!/bin/sh\necho hi\n' >"$d/script.sh"
    chmod 0755 "$d/script.sh"
    printf 'secret\n' >"$d/private_file"
    chmod 0600 "$d/private_file"
    printf 'inner\n' >"$d/private_dir/inner/f"
    chmod 0700 "$d/private_dir"
    ln -s /etc/hostname "$d/abs_link"
    ln -s a/b/c/deep.txt "$d/rel_link"
    ln -s ../a/top.txt "$d/odd/up_link"
    ln -s does/not/exist "$d/dangling_link"
    ln -s a "$d/dir_link"
    mkfifo "$d/fifo"
    printf 'sp\n' >"$d/odd/with space"
    printf 'dash\n' >"$d/odd/-leading-dash"
    printf 'uni\n' >"$d/odd/ünïcødé-ファイル"
    printf 'nl\n' >"$d/odd/new"$'\n'"line"
    printf 'tab\n' >"$d/odd/tab"$'\t'"here"
    mkdir "$d/odd/dir with space"
    printf 'in\n' >"$d/odd/dir with space/file"
    # Two names for one inode: without -H each becomes its own file (nlink 1).
    printf 'hard\n' >"$d/hard_a"
    ln "$d/hard_a" "$d/a/hard_b"
    stamp "$d"
}

# A small plain tree (files and dirs only).
make_small_tree() {
    local d=$1
    mkdir -p "$d/sub/deeper" "$d/other"
    printf 'one\n' >"$d/one"
    printf 'two two\n' >"$d/two"
    printf 'sub file\n' >"$d/sub/file"
    printf 'deeper file\n' >"$d/sub/deeper/file"
    printf 'other\n' >"$d/other/x"
    ln -s one "$d/link_to_one"
    stamp "$d"
}

# make_qc_trees SRCDIR DSTDIR: a source and a stale destination for the
# quick-check options (-c, --size-only, -I, -u, --existing, --ignore-existing,
# --modify-window).  S = 1500000000 is the source mtime of every file.
#   identical        same content, size, mtime
#   same_meta        same size and mtime, different content (only -c/-I copy)
#   size_same_mtime  different size, same mtime
#   mtime_only       same content, dest mtime S-100
#   dest_newer       different content and size, dest mtime S+100
#   dest_newer_ss    different content, same size, dest mtime S+100
#   dest_older       different content and size, dest mtime S-100
#   win_1s           same size, different content, dest mtime S+1
#   win_1s_same      same content, dest mtime S-1
#   win_3s           same size, different content, dest mtime S+3
#   ns_only          same content, dest mtime S + 0.25 s (sub-second only)
#   new_file         only in the source
#   new_dir/f        only in the source
#   sub/             dir in both, dest dir mtime differs; sub/inner changed
#   only_dst         only in the destination (kept: no --delete)
make_qc_trees() {
    local s=$1 d=$2 S=1500000000
    mkdir -p "$s/sub" "$s/new_dir" "$d/sub"
    _qc() {   # _qc NAME SRC_CONTENT DST_CONTENT DST_MTIME
        printf '%s' "$2" >"$s/$1"; touch -h -d "@$S" "$s/$1"
        printf '%s' "$3" >"$d/$1"; touch -h -d "@$4" "$d/$1"
    }
    _qc identical       'same text'   'same text'   $S
    _qc same_meta       'AAAAAAAA'    'BBBBBBBB'    $S
    _qc size_same_mtime 'short'       'much longer' $S
    _qc mtime_only      'unchanged'   'unchanged'   $((S - 100))
    _qc dest_newer      'src'         'dest newer!' $((S + 100))
    _qc dest_newer_ss   'src1'        'dst1'        $((S + 100))
    _qc dest_older      'src'         'dest older!' $((S - 100))
    _qc win_1s          '1111'        '2222'        $((S + 1))
    _qc win_1s_same     'same1'       'same1'       $((S - 1))
    _qc win_3s          '3333'        '4444'        $((S + 3))
    _qc ns_only         'nanos'       'nanos'       "$S.25"
    _qc sub/inner       'inner src'   'inner dst!!' $((S - 50))
    printf 'new\n' >"$s/new_file"; touch -d "@$S" "$s/new_file"
    printf 'f\n' >"$s/new_dir/f"; touch -d "@$S" "$s/new_dir/f" "$s/new_dir"
    printf 'extra\n' >"$d/only_dst"; touch -d "@$S" "$d/only_dst"
    touch -d "@$S" "$s/sub" "$s"
    touch -d "@$((S + 7))" "$d/sub"
    touch -d "@$S" "$d"
}

# as_nobody_tools: $RSYNC and $TREESYNC become wrappers in $T/bin that run
# the real tools as nobody (the harness runs one word).  Needs root, setpriv.
as_nobody_tools() {
    local tool
    mkdir -p "$T/bin"
    for tool in rsync:"$(command -v -- "$RSYNC")" treesync:"$TREESYNC"; do
        printf '#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup --clear-groups %q "$@"\n' \
            "${tool#*:}" >"$T/bin/${tool%%:*}"
        chmod 755 "$T/bin/${tool%%:*}"
    done
    RSYNC=$T/bin/rsync TREESYNC=$T/bin/treesync
}

# ---------------------------------------------------------------- running
TS_ONLY_OPTS=()    # extra options given to treesync only (e.g. -j 8)

# _map ROOT ARG: rewrite ARG if it starts with $DST.
_map() {
    case $2 in
        "$DST") printf '%s' "$1" ;;
        "$DST"/*) printf '%s' "$1${2#"$DST"}" ;;
        *) printf '%s' "$2" ;;
    esac
}

# _run_one TAG BINARY OUTROOT OPTS... -- ARGS...
_run_one() {
    local tag=$1 bin=$2 root=$3; shift 3
    local cmd=("$bin") a mapping=0
    for a; do
        if [ $mapping = 0 ] && [ "$a" = -- ]; then mapping=1; continue; fi
        if [ $mapping = 1 ]; then cmd+=("$(_map "$root" "$a")"); else cmd+=("$a"); fi
    done
    printf '%q ' "${cmd[@]}" >"$T/$tag.cmd"; echo >>"$T/$tag.cmd"
    (cd "$T" && exec timeout -k 5 "$CMD_TIMEOUT" "${cmd[@]}") \
        </dev/null >"$T/$tag.out" 2>"$T/$tag.err"
    echo $? >"$T/$tag.rc"
}

_reset_outputs() {
    chmod -R u+rwX -- "$RS_DST" "$TS_DST" 2>/dev/null
    rm -rf --one-file-system -- "$RS_DST" "$TS_DST"
    if [ -e "$DST" ] || [ -L "$DST" ]; then
        copy_tree "$DST" "$RS_DST" && copy_tree "$DST" "$TS_DST" ||
            fail "harness: cannot copy $DST"
    fi
}

_run_pair() {
    local opts=() args=() a seen=0
    for a; do
        if [ $seen = 0 ] && [ "$a" = -- ]; then seen=1; continue; fi
        if [ $seen = 0 ]; then opts+=("$a"); else args+=("$a"); fi
    done
    [ $seen = 1 ] || fail "harness: run_both needs '--' between options and paths"
    local tsopts=("${opts[@]+"${opts[@]}"}")
    if [ ${#TS_ONLY_OPTS[@]} -gt 0 ] && ! ts_is_rsync; then
        tsopts+=("${TS_ONLY_OPTS[@]}")
    fi
    _run_one rsync "$RSYNC" "$RS_DST" "${opts[@]+"${opts[@]}"}" -- "${args[@]}"
    _run_one treesync "$TREESYNC" "$TS_DST" "${tsopts[@]+"${tsopts[@]}"}" -- "${args[@]}"
    RS_RC=$(cat "$T/rsync.rc")
    TS_RC=$(cat "$T/treesync.rc")
    [ "${SHOW_RUNS:-0}" = 1 ] && _show_runs_full
    return 0
}

# SHOW_RUNS=1: print every run's command, exit code, stdout and stderr (both
# tools) -- for looking at what rsync really prints in a scenario.
_show_runs_full() {
    local tag
    for tag in rsync treesync; do
        echo "=== $tag: $(cat "$T/$tag.cmd")"
        echo "=== exit $(cat "$T/$tag.rc"); stdout:"
        cat -- "$T/$tag.out"
        if [ -s "$T/$tag.err" ]; then echo "=== stderr:"; cat -- "$T/$tag.err"; fi
    done
}

# run_both OPTS... -- SRCARGS... DEST
# Fresh copies of $DST, then rsync and treesync with the same arguments.
run_both() { _reset_outputs; _run_pair "$@"; }

# run_both_again OPTS... -- SRCARGS... DEST
# Same, but each tool runs on the destination its previous run left behind.
run_both_again() {
    [ -e "$RS_DST" ] || [ -L "$RS_DST" ] || [ -e "$TS_DST" ] || [ -L "$TS_DST" ] ||
        fail "harness: run_both_again without a previous run"
    _run_pair "$@"
}

# run_ts OPTS... -- ARGS...: treesync alone (output in $T/treesync.*), $DST
# arguments mapped to $TS_DST; no reset.  Sets TS_RC.
run_ts() {
    local opts=() args=() a seen=0
    for a; do
        if [ $seen = 0 ] && [ "$a" = -- ]; then seen=1; continue; fi
        if [ $seen = 0 ]; then opts+=("$a"); else args+=("$a"); fi
    done
    if [ ${#TS_ONLY_OPTS[@]} -gt 0 ] && ! ts_is_rsync; then opts+=("${TS_ONLY_OPTS[@]}"); fi
    _run_one treesync "$TREESYNC" "$TS_DST" "${opts[@]+"${opts[@]}"}" -- "${args[@]+"${args[@]}"}"
    TS_RC=$(cat "$T/treesync.rc")
}
# run_rs: the same for rsync into $RS_DST.  Sets RS_RC.
run_rs() {
    local opts=() args=() a seen=0
    for a; do
        if [ $seen = 0 ] && [ "$a" = -- ]; then seen=1; continue; fi
        if [ $seen = 0 ]; then opts+=("$a"); else args+=("$a"); fi
    done
    _run_one rsync "$RSYNC" "$RS_DST" "${opts[@]+"${opts[@]}"}" -- "${args[@]+"${args[@]}"}"
    RS_RC=$(cat "$T/rsync.rc")
}

# term_at_temp PID DIR GLOB KB: waits (15 s at most) until a file GLOB of
# more than KB KiB is below DIR (a temp with data), then SIGTERMs PID and
# waits for it; fails when none appeared while PID ran.
term_at_temp() {
    local pid=$1 dir=$2 glob=$3 kb=$4 i t=
    for i in $(seq 1 300); do
        t=$(find "$dir" -name "$glob" -size +"$kb"k 2>/dev/null | head -1)
        [ -n "$t" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$t" ] || { kill "$pid" 2>/dev/null; fail "scenario: no $glob with data seen in $dir"; }
    kill -TERM "$pid"
    wait "$pid"
}

# ---------------------------------------------------------------- output
# Lines whose numbers are the tool's own: the "sending incremental file
# list" header, the "sent ... received ..." and "total size is ..." trailer
# (plus the blank line before it); treesync's local meanings of the byte
# counts are in its README.  The
# "created directory X" lines are compared (treesync prints them as rsync
# does: only with -v/-i, DEST without trailing slashes); COMPARE_CREATED_DIR=0
# drops them for an engine that does not.
filter_rsync() {
    local created='^created directory '
    [ "${COMPARE_CREATED_DIR:-1}" = 1 ] && created='^\b$'   # matches nothing
    grep -Ev -e '^sending incremental file list$' \
        -e '^sent [0-9,.]+ bytes  received [0-9,.]+ bytes  [0-9,.]+ bytes/sec$' \
        -e '^total size is [0-9,.]+  speedup is [0-9,.]+( \(DRY RUN\))?$' \
        -e "$created" \
        -e '^$' || true
}

# _unroot PREFIX: replace every occurrence of PREFIX (the tool's own output
# copy, e.g. $RS_DST) by <DEST>, so that lines naming DEST compare equal.
_unroot() {
    awk -v p="$1" '{
        out = ""; s = $0
        while (p != "" && (i = index(s, p)) > 0) { out = out substr(s, 1, i - 1) "<DEST>"; s = substr(s, i + length(p)) }
        print out s
    }'
}

# filtered_out TAG: the tool's stdout as it is compared (both filtered:
# treesync prints rsync's header and trailer too, with its own byte counts;
# tests of those lines are t1700-t1799), with its output copy path replaced
# by <DEST>, sorted bytewise.
filtered_out() {
    local root=$RS_DST
    [ "$1" = treesync ] && root=$TS_DST
    filter_rsync <"$T/$1.out" | _unroot "$root" | LC_ALL=C sort
}

_show_run() {   # _show_run TAG
    note "--- $1: $(cat "$T/$1.cmd")"
    local rc; rc=$(cat "$T/$1.rc")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        note "    exit code $rc: TIMED OUT after ${CMD_TIMEOUT}s"
    else
        note "    exit code $rc"
    fi
    if [ -s "$T/$1.err" ]; then note "    stderr:"; note_file "$T/$1.err" 15; fi
}

# assert_same_output: sorted filtered stdout and exit codes equal; when rsync
# wrote nothing to stderr treesync must not either, and vice versa.
assert_same_output() {
    filtered_out rsync >"$T/rsync.cmp"
    filtered_out treesync >"$T/treesync.cmp"
    local bad=
    if ! diff -u --label "rsync stdout (sorted, filtered)" --label "treesync stdout (sorted)" \
        "$T/rsync.cmp" "$T/treesync.cmp" >"$T/out.diff"; then
        note "stdout differs (- rsync, + treesync):"
        note_file "$T/out.diff" 80
        bad="stdout differs"
    fi
    if [ "$RS_RC" != "$TS_RC" ]; then
        note "exit code differs: rsync $RS_RC, treesync $TS_RC"
        bad="${bad:+$bad; }exit code $TS_RC, rsync $RS_RC"
    fi
    if [ -s "$T/rsync.err" ] && [ ! -s "$T/treesync.err" ]; then
        bad="${bad:+$bad; }rsync reported errors on stderr, treesync did not"
    elif [ ! -s "$T/rsync.err" ] && [ -s "$T/treesync.err" ]; then
        bad="${bad:+$bad; }treesync wrote to stderr, rsync did not"
    fi
    if [ -n "$bad" ]; then
        _show_run rsync
        _show_run treesync
        fail "$bad"
    fi
}

# assert_same_tree A B [snap flags]: the snapshots of A and B are identical.
# On failure the differences are listed entry by entry.
assert_same_tree() {
    local a=$1 b=$2; shift 2
    local la=${a#"$T"/} lb=${b#"$T"/}
    "$PYTHON" "$FUNC_DIR/snap.py" --diff "$@" "$a" "$b" "$la" "$lb" >"$T/tree.diff"
    case $? in
        0) return 0 ;;
        1) ;;
        *) note_file "$T/tree.diff"; fail "harness: snap.py --diff failed" ;;
    esac
    note "trees differ ($la vs $lb), entry by entry:"
    note_file "$T/tree.diff" 40
    [ -f "$T/rsync.cmd" ] && _show_run rsync
    [ -f "$T/treesync.cmd" ] && _show_run treesync
    fail "trees differ: $la vs $lb ($(wc -l <"$T/tree.diff") entries)"
}

# assert_same_result [snap flags]: same output, same exit code, same tree.
assert_same_result() {
    assert_same_output
    assert_same_tree "$RS_DST" "$TS_DST" "$@"
}

# attrs DIR: every xattr of a tree (getfattr, symlinks not followed), one
# canonical listing.  same_attrs WHAT: $RS_DST's and $TS_DST's are equal.
attrs() {
    (cd "$1" && getfattr -Rhdm- --absolute-names . 2>/dev/null | grep -v '^$' | sort)
}
same_attrs() {
    [ "$(attrs "$RS_DST")" = "$(attrs "$TS_DST")" ] ||
        fail "$*: xattrs differ: $(diff <(attrs "$RS_DST") <(attrs "$TS_DST"))"
}

# assert_snap_equal FILE1 FILE2 WHAT: two saved snapshots are identical.
assert_snap_equal() {
    if ! diff -u "$1" "$2" >"$T/snapfile.diff"; then
        note "$3:"
        note_file "$T/snapfile.diff" 60
        fail "$3"
    fi
}

# assert_rc TAG CODE
assert_rc() {
    local rc
    rc=$(cat "$T/$1.rc")
    if [ "$rc" != "$2" ]; then
        _show_run "$1"
        fail "$1 exit code $rc, expected $2"
    fi
}

# expect_line TAG LINE: the filtered output of TAG contains LINE exactly.
# Used on rsync's output to prove that a scenario really exercises what the
# test claims (a harness self-check, not a comparison).
expect_line() {
    if ! filtered_out "$1" | grep -xF -- "$2" >/dev/null; then  # not -q: an early exit would SIGPIPE the writer under pipefail
        note "expected line not in $1 output: $2"
        note "$1 output:"
        filtered_out "$1" >"$T/expect.tmp"; note_file "$T/expect.tmp" 30
        fail "scenario check: '$2' missing from $1 output"
    fi
}

# expect_no_output TAG: filtered stdout of TAG is empty.
expect_no_output() {
    filtered_out "$1" >"$T/expect.tmp"
    if [ -s "$T/expect.tmp" ]; then
        note "$1 printed:"; note_file "$T/expect.tmp" 30
        _show_run "$1"
        fail "$1 printed something, expected nothing"
    fi
}

need_func
