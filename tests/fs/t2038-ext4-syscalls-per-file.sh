#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_loop ext4
command -v strace >/dev/null || skip "strace is not installed"
describe "syscalls per new file on ext4, counted by strace -f -c beyond a run over the same directories without files: a small file 11 (the walk's statx; open, fstat; temp: create, fstat; copy_file_range; fstat after; futimens; 2 close; rename), an empty one 9 (no temp, no rename, no read to see that it is empty); no F_SETFL per file (O_NONBLOCK stays on a disk file system's regular file)"

# A count, not a timing: on a loaded machine or a slow one the calls are
# the same.  bench/RESULTS.md ("Local small files") has what each call is
# for and what it costs.  Directories add ~10 calls each (mkdir, open,
# listing, mode and times) and the process its start: both are counted
# in a run over the same directories without files, and taken off.
M=$T/ext4
mk_loopfs ext4 128 "$M"
NDIR=4 PER=100 N=$((NDIR * PER))
for d in $(seq 1 $NDIR); do
    mkdir -p "$M/small/d$d" "$M/empty/d$d" "$M/none/d$d"
    for i in $(seq 1 $PER); do
        head -c $(((i * 83) % 8192 + 1)) /dev/urandom >"$M/small/d$d/f$i"
        : >"$M/empty/d$d/e$i"
    done
done
sync -f "$M"

# The calls a file's copy can make, and the whole process's count of them.
FILE_CALLS='statx|newfstatat|fstat|openat|close|fcntl|pread64|read|write|copy_file_range|sendfile|splice|utimensat|fchown|fchmod|renameat|renameat2|unlinkat|linkat|lseek|fadvise64|getdents64|mkdirat|fgetxattr|flistxattr'
# counted NAME TREE: treesync -a TREE/ to NAME/ under strace; $per, the
# file calls per file beyond $BASE; $calls, NAME's calls by name
# ("statx 410 ..."); $sum, all of its file calls.
BASE=0
counted() {
    local name=$1 tree=$2
    strace -f -qq -c -o "$T/$name.strace" -- \
        "$TREESYNC" -a -j2 "$M/$tree/" "$M/$name/" >"$T/$name.out" 2>"$T/$name.err" ||
        { cat "$T/$name.err"; fail "$name: treesync -a under strace exited $?"; }
    same_tree "$M/$tree" "$M/$name"
    calls=$(awk -v re="^($FILE_CALLS)\$" '$NF ~ re { printf "%s %d ", $NF, $4 }' "$T/$name.strace")
    # strace -c's columns: % time, seconds, usecs/call, calls, [errors,] name
    sum=$(awk -v re="^($FILE_CALLS)\$" '$NF ~ re { s += $4 } END { print s + 0 }' "$T/$name.strace")
    per=$(awk -v s="$sum" -v b="$BASE" -v n=$N 'BEGIN { printf "%.2f", (s - b) / n }')
    note "$name: $per file calls per file, $sum in all ($calls)"
}
count_of() {    # count_of CALL: CALL's count in $calls (0 if absent)
    local c
    c=$(printf '%s\n' $calls | awk -v k="$1" 'p { print; exit } $0 == k { p = 1 }')
    echo "${c:-0}"
}

counted none-copy none
BASE=$sum
counted small-copy small
record syscalls "ext4->ext4" auto "small: $per/file" "$N" 0
awk -v p="$per" 'BEGIN { exit !(p <= 11.05) }' ||
    fail "small files: $per file calls per file (want 11): $calls"
[ "$(count_of fcntl)" -le 4 ] ||
    fail "small files: $(count_of fcntl) fcntl calls for $N files (want none per file)"

counted empty-copy empty
record syscalls "ext4->ext4" auto "empty: $per/file" "$N" 0
awk -v p="$per" 'BEGIN { exit !(p <= 9.05) }' ||
    fail "empty files: $per file calls per file (want 9): $calls"
[ "$(count_of pread64)" -le 4 ] ||
    fail "empty files: $(count_of pread64) pread64 calls for $N empty files (want none per file)"
[ "$(count_of renameat)" -eq 0 ] ||
    fail "empty files: $(count_of renameat) renames (want none: created in place)"
no_temps "$M"
pass
