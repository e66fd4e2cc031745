#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
command -v strace >/dev/null || skip "strace is not installed"
describe "on a network file system a directory's files go to at most 3 workers (the client holds the directory's lock while it creates and renames each file: more workers in one directory queue on it while other directories wait; bench/mpi/RESULTS.md: 8,000 files in 160 directories at 5 ms, 37 s with 13 workers a directory, 12 s with 3), and to more than one where a directory has enough files"

# Every file's rename into place names its directory (strace -y) and the
# worker thread that did it (strace -f): the threads per directory are the
# workers that copied its files.  With -j 16 and 2 ms a request, every
# batch of a directory is taken by an idle worker at once, so a directory
# split in 8 batches (4 files each, before) shows 5-8 threads.
NDIR=4 NF=30
BA=$T/backing-a BB=$T/backing-b
mkdir -p "$BB"
for d in $(seq 1 $NDIR); do
    mkdir -p "$BA/src/d$d"
    for i in $(seq 1 $NF); do printf '%06d\n' "$i" >"$BA/src/d$d/f$i"; done
done
LFS_PERMS=
mount_lfs "$BA" "$T/lfs-a" latency_us=2000,timeout=0
mount_lfs "$BB" "$T/lfs-b" latency_us=2000,timeout=0

timeout "${CMD_TIMEOUT:-120}" strace -f -qq -y -e trace=rename,renameat,renameat2 \
    -o "$T/strace" -- "$TREESYNC" -a -j16 "$T/lfs-a/src/" "$T/lfs-b/dst/" \
    >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "treesync -a under strace exited $?"; }
same_tree "$BA/src" "$BB/dst"

# "PID renameat(5</.../dst/d1>, ".f1.XXXXXX", 5</.../dst/d1>, "f1") = 0",
# or its first half "... <unfinished ...>" when another thread's call came
# in between (the tree is checked above: every rename succeeded).
awk '/ rename(at2?)?\(/ {
        if (match($0, /<[^>]*>/)) print $1, substr($0, RSTART + 1, RLENGTH - 2)
     }' "$T/strace" | sort -u >"$T/pairs"
renames=$(grep -cE ' rename(at2?)?\(' "$T/strace")
[ "$renames" -eq $((NDIR * NF)) ] ||
    fail "$renames renames seen under strace, want $((NDIR * NF)) (one per file)"
awk '{ n[$2]++ } END { for (d in n) print n[d], d }' "$T/pairs" | sort -n >"$T/per-dir"
note "worker threads per directory: $(awk '{ printf "%s%s", sep, $1; sep = " " }' "$T/per-dir")"
most=$(tail -n 1 "$T/per-dir" | cut -d' ' -f1)
least=$(head -n 1 "$T/per-dir" | cut -d' ' -f1)
[ "$most" -le 3 ] || fail "a directory's $NF files were copied by $most workers (want <= 3)"
[ "$least" -ge 2 ] || fail "a directory's $NF files were copied by $least worker (want 2-3: one worker a directory leaves its lock idle)"
pass
