#!/bin/bash
# RT-13 --delete of a very deep extraneous tree (issue 16, item 3).
#
# DEST/deep is a chain of 30,000 directories (a file every 1,000 levels and
# at the bottom: 30 files), not in SRC.  Every run has `ulimit -s 1024`
# (1 MiB of stack) and `ulimit -n 256`:
#  1. -n --delete --stats: exit 0, the chain untouched, "Number of deleted
#     files: 30,031" (30,001 directories with deep/ itself, 30 files).
#  2. --delete --stats: exit 0, the same count, nothing of deep/ left,
#     DEST == SRC.
#  3. A chain of 5,000 with -i (paths of 10 KB): the dry run's
#     "*deleting" lines are the real run's (5,006 of them), and the real
#     run says deep/ last (children first).
#  4. With TREESYNC_ASAN (an ASan+UBSan build, e.g. build-asan/treesync):
#     1 and 2 again, exit 0 and no sanitizer report.
# Before issue 16: SIGSEGV at ~5,000 levels with a 1 MiB stack (deletion
# recursed, two C frames per level); "Too many open files" at the fd limit
# (one fd held per level); under ASan a stack overflow at 20,000 levels
# with 8 MiB.
. "$(dirname "$0")/lib.sh"
cond "--delete of a 30,000-level extraneous tree under ulimit -s 1024 -n 256: exit 0, nothing left, no crash; -n counts the same; -i lines of a dry run = the real run's"
need_treesync
need_cmd python3
build_helpers

DEPTH=${RT13_DEPTH:-30000}
EVERY=1000
LINES_DEPTH=5000
wrong=0

# mk_chain DIR DEPTH EVERY: DIR/d/d/..., DEPTH levels, a file f every
# EVERY levels and in the last (through fds: no PATH_MAX limit).
mk_chain() {
    python3 - "$@" <<'EOF'
import os, sys
top, depth, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.mkdir(top)
fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
for i in range(1, depth + 1):
    os.mkdir("d", dir_fd=fd)
    n = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = n
    if i % every == 0 or i == depth:
        os.close(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
os.close(fd)
EOF
}
# count_below DIR: "DIRS FILES" inside DIR (0 0 when it does not exist).
count_below() {
    python3 - "$1" <<'EOF'
import os, sys
dirs = files = 0
try:
    stack = [os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)]
except FileNotFoundError:
    stack = []
while stack:
    fd = stack.pop()
    for e in os.scandir(fd):
        if e.is_dir(follow_symlinks=False):
            dirs += 1
            stack.append(os.open(e.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd))
        else:
            files += 1
    os.close(fd)
print(dirs, files)
EOF
}
# tsl BIN OUT ERR ARGS: BIN with a 1 MiB stack and 256 fds; sets RC.
tsl() {
    local bin=$1 out=$2 err=$3
    shift 3
    timeout -k 5 "${CMD_TIMEOUT:-120}" sh -c 'ulimit -s 1024 && ulimit -n 256 && exec "$@"' \
        tsl "$bin" "$@" >"$out" 2>"$err" </dev/null
    RC=$?
}
deleted_count() { sed -n 's/^Number of deleted files: \([0-9,]*\).*/\1/p' "$1" | tr -d ,; }
sanitizer_report() { grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }

mkdir -p "$T/src/keep"
echo keep >"$T/src/keep/k"
files=$((DEPTH / EVERY + (DEPTH % EVERY != 0)))
want=$((DEPTH + 1 + files))

# deep_pass LABEL BIN: parts 1 and 2 with BIN.
deep_pass() {
    local label=$1 bin=$2 n
    rm -rf "$T/dst"
    mkdir "$T/dst"
    cp -a "$T/src/keep" "$T/dst/"
    mk_chain "$T/dst/deep" "$DEPTH" "$EVERY" || fail "cannot build the $DEPTH-level tree"
    tsl "$bin" "$T/out" "$T/err" -a -n --delete --stats "$T/src/" "$T/dst/"
    n=$(deleted_count "$T/out")
    if [ "$RC" != 0 ] || [ "$n" != "$want" ]; then
        wrong=$((wrong + 1)); note "$label -n: exit $RC, $n deletions counted (want exit 0, $want)"; note_file "$T/err" 3
    fi
    sanitizer_report "$T/err" && { wrong=$((wrong + 1)); note "$label -n: sanitizer report"; note_file "$T/err" 8; }
    [ "$(count_below "$T/dst/deep")" = "$DEPTH $files" ] ||
        { wrong=$((wrong + 1)); note "$label -n: the tree changed ($(count_below "$T/dst/deep"))"; }

    tsl "$bin" "$T/out" "$T/err" -a --delete --stats "$T/src/" "$T/dst/"
    n=$(deleted_count "$T/out")
    if [ "$RC" != 0 ] || [ "$n" != "$want" ]; then
        wrong=$((wrong + 1)); note "$label: exit $RC, $n deletions counted (want exit 0, $want)"; note_file "$T/err" 3
    fi
    sanitizer_report "$T/err" && { wrong=$((wrong + 1)); note "$label: sanitizer report"; note_file "$T/err" 8; }
    if [ -e "$T/dst/deep" ]; then
        wrong=$((wrong + 1)); note "$label: deep/ still there ($(count_below "$T/dst/deep") dirs, files left)"
    elif ! same_tree "$T/src" "$T/dst" -s; then
        wrong=$((wrong + 1)); note "$label: DEST != SRC"
    fi
    result "${label}_exit=$RC" "${label}_deleted=$n"
}

deep_pass real "$TREESYNC"

# 3. The lines of a dry run are the real run's.
rm -rf "$T/dst"
mkdir "$T/dst"
cp -a "$T/src/keep" "$T/dst/"
mk_chain "$T/dst/deep" "$LINES_DEPTH" "$EVERY" || fail "cannot build the $LINES_DEPTH-level tree"
lwant=$((LINES_DEPTH + 1 + LINES_DEPTH / EVERY + (LINES_DEPTH % EVERY != 0)))
tsl "$TREESYNC" "$T/dry" "$T/err" -a -n -i --delete "$T/src/" "$T/dst/"
drc=$RC
tsl "$TREESYNC" "$T/real" "$T/err2" -a -i --delete "$T/src/" "$T/dst/"
grep '^\*deleting' "$T/dry" | sort >"$T/dry.sorted"
grep '^\*deleting' "$T/real" | sort >"$T/real.sorted"
nl=$(wc -l <"$T/dry.sorted")
if [ "$drc" != 0 ] || [ "$RC" != 0 ] || [ "$nl" != "$lwant" ]; then
    wrong=$((wrong + 1)); note "-i at $LINES_DEPTH levels: exits $drc/$RC, $nl lines (want 0/0, $lwant)"; note_file "$T/err2" 3
fi
cmp -s "$T/dry.sorted" "$T/real.sorted" ||
    { wrong=$((wrong + 1)); note "-i: the dry run's lines differ from the real run's ($(wc -l <"$T/real.sorted") real)"; }
[ "$(grep '^\*deleting' "$T/real" | tail -n1)" = '*deleting   deep/' ] ||
    { wrong=$((wrong + 1)); note "-i: deep/ is not the last line of the real run"; }
[ -e "$T/dst/deep" ] && { wrong=$((wrong + 1)); note "-i: deep/ still there"; }
result lines="$nl"

# 4. The same under AddressSanitizer.
if [ -n "${TREESYNC_ASAN:-}" ]; then
    [ -x "$TREESYNC_ASAN" ] || fail "TREESYNC_ASAN=$TREESYNC_ASAN is not an executable"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
    deep_pass asan "$TREESYNC_ASAN"
else
    note "no TREESYNC_ASAN: the AddressSanitizer pass is not run"
    result asan=not-run
fi

[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "$DEPTH levels deleted with 1 MiB of stack and 256 fds, -n counted the same ($want)"
