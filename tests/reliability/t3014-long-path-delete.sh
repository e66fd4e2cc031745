#!/bin/bash
# RT-14 --delete below DEST paths longer than PATH_MAX, and error lines
# longer than 8 KB (issue 16, item 8).
#
# SRC and DEST share a chain of directories with 240-byte names.
#  1. 20 levels (a relative path of 4,819 bytes > PATH_MAX): DEST has, at
#     the bottom, an extraneous file, a directory with a file inside, and a
#     symlink to OUTSIDE.  -n -i --delete: exit 0, nothing removed, the 4
#     "*deleting" lines; then --delete: exit 0, the same lines, DEST ==
#     SRC, OUTSIDE unchanged.  (Before: "cannot open directory for
#     deletion '...': File name too long", exit 23: openat2 says
#     ENAMETOOLONG and that did not fall back to the walk by names.)
#  2. 40 levels (9,639 bytes): DEST's bottom directory belongs to root
#     (0755) and holds an extraneous file; the rest of DEST is nobody's;
#     -r --delete as nobody: exit 23 and the line
#     "treesync: cannot delete '<the whole path>/victim': Permission denied"
#     whole.  (Before: cut at 8 KB, errno and all.)
. "$(dirname "$0")/lib.sh"
cond "--delete inside a DEST directory whose path is > PATH_MAX works (exit 0, DEST == SRC, OUTSIDE unchanged); an error line > 8 KB is printed whole with its errno"
need_treesync
need_root
need_cmd python3
need_cmd setpriv util-linux
build_helpers
setpriv --reuid=nobody --regid=nogroup --clear-groups "$TREESYNC" --version >/dev/null 2>&1 ||
    skip "nobody cannot run $TREESYNC (check the permissions of its path)"

wrong=0
# mk_long DIR LEVELS: DIR/NNNxxx.../NNNxxx... (240-byte names), made
# through fds; prints the relative path of the bottom directory.
mk_long() {
    python3 - "$@" <<'EOF'
import os, sys
top, levels = sys.argv[1], int(sys.argv[2])
os.makedirs(top, exist_ok=True)
fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
names = []
for i in range(levels):
    n = "%03d" % i + "x" * 237
    os.mkdir(n, dir_fd=fd)
    m = os.open(n, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = m
    names.append(n)
os.close(fd)
print("/".join(names))
EOF
}
# at DIR REL CMD...: runs CMD in DIR/REL (a path too long for cd: by parts).
at() {
    local dir=$1 rel=$2
    shift 2
    (
        cd "$dir" || exit 1
        IFS=/
        for c in $rel; do cd "$c" || exit 1; done
        unset IFS
        "$@"
    )
}

# 1. Extraneous entries in a directory 4,819 bytes deep.
mkdir -p "$T/outside"
echo canary >"$T/outside/canary"
rel=$(mk_long "$T/src" 20) && mk_long "$T/dst" 20 >/dev/null || fail "cannot build the long chains"
[ "${#rel}" -gt 4096 ] || fail "the chain is only ${#rel} bytes"
at "$T/dst" "$rel" sh -c 'echo x >x && mkdir xd && echo f >xd/f && ln -s "$1" xl' sh "$T/outside" ||
    fail "cannot make the extraneous entries"
H snap -c "$T/outside" >"$T/outside.before"
ts "$T/dry" "$T/err" -a -n -i --delete "$T/src/" "$T/dst/"
ndry=$(grep -c '^\*deleting' "$T/dry")
if [ "$RC" != 0 ] || [ "$ndry" != 4 ]; then
    wrong=$((wrong + 1)); note "-n at ${#rel} bytes: exit $RC, $ndry '*deleting' lines (want 0, 4)"; note_file "$T/err" 2
fi
at "$T/dst" "$rel" test -e xd/f || { wrong=$((wrong + 1)); note "-n removed something"; }
ts "$T/real" "$T/err" -a -i --delete "$T/src/" "$T/dst/"
[ "$RC" = 0 ] || { wrong=$((wrong + 1)); note "--delete at ${#rel} bytes: exit $RC (want 0)"; note_file "$T/err" 2; }
same_tree "$T/src" "$T/dst" -s || { wrong=$((wrong + 1)); note "--delete at ${#rel} bytes: DEST != SRC"; }
cmp -s <(grep '^\*deleting' "$T/dry" | sort) <(grep '^\*deleting' "$T/real" | sort) ||
    { wrong=$((wrong + 1)); note "the dry run's lines are not the real run's"; }
diff -q "$T/outside.before" <(H snap -c "$T/outside") >/dev/null ||
    { wrong=$((wrong + 1)); note "OUTSIDE changed"; }
result long_exit="$RC" lines="$ndry"

# 2. An error about a path of 9,639 bytes.
rm -rf "$T/src" "$T/dst"
rel=$(mk_long "$T/src" 40) && mk_long "$T/dst" 40 >/dev/null || fail "cannot build the long chains"
chown -R nobody "$T/dst"
at "$T/dst" "$rel" sh -c 'chown root . && chmod 755 . && echo v >victim' || fail "cannot make the victim"
want="treesync: cannot delete '$rel/victim': Permission denied"
ts_nobody "$T/out" "$T/err" -r --delete "$T/src/" "$T/dst/"
[ "$RC" = 23 ] || { wrong=$((wrong + 1)); note "error at ${#rel} bytes: exit $RC (want 23)"; }
if grep -qxF -- "$want" "$T/err"; then
    :
else
    wrong=$((wrong + 1))
    note "no whole line \"treesync: cannot delete '<${#rel} bytes>/victim': Permission denied\" (stderr: $(wc -c <"$T/err") bytes, ends: $(tail -c 40 "$T/err" | tr -d '\n'))"
fi
at "$T/dst" "$rel" test -e victim || { wrong=$((wrong + 1)); note "the victim is gone as nobody"; }
result err_exit="$RC" err_bytes="$(wc -c <"$T/err")"

[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "--delete below a path > PATH_MAX works; an error line of ${#rel}+ bytes is whole with its errno"
