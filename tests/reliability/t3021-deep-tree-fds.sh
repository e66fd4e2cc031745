#!/bin/bash
# RT-21 A very deep source tree under a low fd limit (issue 16, item 5).
#
# SRC is a chain of RT21_DEPTH directories (4,000 by default; paths of
# 8 KB, beyond PATH_MAX), a file every 100 levels and at the bottom, every
# directory with its own mtime.  Every treesync run has `ulimit -n 64`:
#  1. -a into an empty DEST: exit 0, DEST == SRC (names, types, modes,
#     sizes, content, mtimes of files and directories).
#  2. Directories are opened again, not held: the copy makes at most 6
#     openat() calls per directory and file (strace -c), so closing and
#     re-opening does not grow with depth -- re-opening each level's
#     parents from the top would be depth squared (it was: 49 s for 3,000
#     levels at a 256 limit).
#  3. Memory per level: peak RSS above a tiny copy's stays under 2 KiB a
#     level (a path string per level kept, as before, is depth squared:
#     210 MB at 10,000 levels).
#  4. The up-to-date rerun: exit 0, no -i line.  The bottom file changed:
#     exit 0, one '>f' line, DEST == SRC.
#  5. --delete of the whole chain from DEST (SRC holds one other file),
#     with `ulimit -n 16`: exit 0, DEST holds that file alone.
# Before issue 16: every directory kept its fds until its children were
# done, so a copy stopped at depth ~30 with 64 fds (~509 with 1,024):
# "Too many open files", exit 23.
. "$(dirname "$0")/lib.sh"
DEPTH=${RT21_DEPTH:-4000}
cond "a $DEPTH-level tree under ulimit -n 64: copied whole (exit 0, DEST == SRC), <= 6 openat per entry, < 2 KiB RSS per level, rerun silent, --delete of it under ulimit -n 16"
need_treesync
need_cmd python3
need_cmd strace
[ -x /usr/bin/time ] || skip "needs /usr/bin/time (apt-get install time)"
build_helpers

# SRC: DIR/d/d/..., a file f every 100 levels and in the last, through
# fds (no PATH_MAX limit); then, bottom-up through "..", directory I gets
# mtime base + I ms.
python3 - "$T/src" "$DEPTH" <<'EOF'
import os, sys
top, depth = sys.argv[1], int(sys.argv[2])
os.mkdir(top)
fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
for i in range(1, depth + 1):
    os.mkdir("d", dir_fd=fd)
    n = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = n
    if i % 100 == 0 or i == depth:
        f = os.open("f", os.O_WRONLY | os.O_CREAT, 0o640, dir_fd=fd)
        os.write(f, b"level %d\n" % i)
        os.close(f)
        os.utime("f", dir_fd=fd, ns=(1, 1500000000 * 10**9 + i))
for i in range(depth, -1, -1):
    os.utime(fd, ns=(1, 1400000000 * 10**9 + i * 10**6))
    if i:
        n = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = n
os.close(fd)
EOF
mkdir -p "$T/tiny" && echo x >"$T/tiny/f"
# An AddressSanitizer build (tools/test.sh runs this test with one): no
# memory bound, and no strace (LeakSanitizer does not run under ptrace).
# Read from the ELF's own dynamic section (readelf does not run the
# loader, as ldd does); ldd as well, for a build that links it otherwise.
# (Once, in a loaded tools/test.sh run, the ldd pipe alone said no.)
asan=0
{ readelf -d "$TREESYNC" 2>/dev/null; ldd "$TREESYNC" 2>/dev/null; } |
    grep libasan >/dev/null && asan=1

# peak ARGS...: treesync under /usr/bin/time at 64 fds; $RC, $PEAK (KiB).
peak() {
    fdlimit 64 /usr/bin/time -f '%M' -o "$T/rss" "$TREESYNC" "$@" >"$T/out" 2>"$T/err" </dev/null
    RC=$?
    PEAK=$(tail -n1 "$T/rss")
}

peak -a "$T/tiny/" "$T/tiny-copy/"
base=$PEAK
[ "$RC" = 0 ] || fail "the tiny copy failed (exit $RC)"

# 1. + 3.
peak -a "$T/src/" "$T/dst/"
copy_rc=$RC copy_kb=$PEAK
per_level=$(( (copy_kb - base) * 1024 / DEPTH ))
if [ "$copy_rc" = 0 ]; then
    same_tree "$T/src" "$T/dst" || check_fail "DEST differs from SRC after the copy"
else
    check_fail "the copy exited $copy_rc"
    note_file "$T/err" 5
fi
if [ "$asan" = 1 ]; then
    note "an AddressSanitizer build: its memory is not measured"
else
    [ "$per_level" -lt 2048 ] || check_fail "peak RSS $copy_kb KiB: $per_level bytes a level (limit 2048)"
fi

# 2. openat calls of a second copy into a fresh DEST.
opens=-
entries=$(( DEPTH + DEPTH / 100 + 1 ))
if [ "$asan" = 1 ]; then
    note "an AddressSanitizer build: openat calls not counted"
else
    fdlimit 64 strace -f -c -e trace=openat,open,openat2 -o "$T/strace" \
        "$TREESYNC" -a "$T/src/" "$T/dst2/" >/dev/null 2>"$T/err2" </dev/null
    rc2=$?
    opens=$(awk '$NF ~ /^open/ { n += $4 } END { print n + 0 }' "$T/strace")
    [ "$rc2" = 0 ] || { check_fail "the copy under strace exited $rc2"; note_file "$T/err2" 5; }
    [ "$opens" -le $(( 6 * entries + 100 )) ] ||
        check_fail "$opens openat calls for $entries entries (limit 6 each): directories re-opened from the top?"
fi

# 4.
fdlimit 64 "$TREESYNC" -a -i "$T/src/" "$T/dst/" >"$T/out3" 2>"$T/err3" </dev/null
rc3=$?
[ "$rc3" = 0 ] && [ ! -s "$T/out3" ] ||
    { check_fail "up-to-date rerun: exit $rc3, $(wc -l <"$T/out3") -i lines"; note_file "$T/out3" 3; note_file "$T/err3" 3; }
python3 - "$T/src" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
while True:
    try:
        n = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    except FileNotFoundError:
        break
    os.close(fd)
    fd = n
st = os.stat("f", dir_fd=fd)
f = os.open("f", os.O_WRONLY | os.O_APPEND, dir_fd=fd)
os.write(f, b"changed\n")
os.close(f)
os.utime("f", dir_fd=fd, ns=(1, st.st_mtime_ns + 10**9))
EOF
fdlimit 64 "$TREESYNC" -a -i "$T/src/" "$T/dst/" >"$T/out4" 2>"$T/err4" </dev/null
rc4=$?
[ "$rc4" = 0 ] && [ "$(grep -c '^>f' "$T/out4")" = 1 ] ||
    { check_fail "bottom file changed: exit $rc4, $(grep -c '^>f' "$T/out4") '>f' lines (want 1)"; note_file "$T/err4" 3; }
same_tree "$T/src" "$T/dst" || check_fail "DEST differs from SRC after the bottom file changed"

# 5.
mkdir -p "$T/other" && echo keep >"$T/other/keep"
fdlimit 16 "$TREESYNC" -a --delete "$T/other/" "$T/dst/" >"$T/out5" 2>"$T/err5" </dev/null
rc5=$?
left=$(ls -A "$T/dst" | tr '\n' ' ')
[ "$rc5" = 0 ] && [ "$left" = "keep " ] ||
    { check_fail "--delete of the chain under ulimit -n 16: exit $rc5, DEST holds: $left"; note_file "$T/err5" 5; }

result depth="$DEPTH" copy_rc="$copy_rc" peak_kb="$copy_kb" base_kb="$base" \
    bytes_per_level="$per_level" openat="$opens" entries="$entries" rerun_rc="$rc3" delete_rc="$rc5"
verdict "$DEPTH levels under 64 fds: exit $copy_rc, $per_level B/level, $opens openat for $entries entries"
