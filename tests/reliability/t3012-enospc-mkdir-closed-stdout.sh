#!/bin/bash
# RT-12 The error decides, not what printing it did (issue 10, item 10).
#
# A destination that runs out of inodes while directories are made
# (tmpfs, nr_inodes=20; the source holds 300 directories, no files), with
# stdout closed (-v writes to it, and each write fails): the first
# "cannot create directory ... No space left on device" must stop the run
# with exit 11.  Before the fix, printing the error overwrote errno (EBADF
# / EPIPE from stdout) before it was read, so the run went on and reported
# ENOSPC again.
. "$(dirname "$0")/lib.sh"
cond "mkdir ENOSPC with stdout closed: exit 11 at the first error (-j 1: exactly one ENOSPC line)"
need_treesync
need_root

mkdir -p "$T/src" "$T/dst"
for i in $(seq 1 300); do mkdir -p "$T/src/d$i/e"; done
mount -t tmpfs -o size=1m,nr_inodes=20 t3012 "$T/dst" || skip "cannot mount tmpfs"
add_mount "$T/dst"
timeout -k 5 60 "$TREESYNC" -av -j 1 "$T/src/" "$T/dst/" 2>"$T/err" >&-
RC=$?
n=$(grep -c 'No space left on device' "$T/err")
result exit="$RC" enospc_lines="$n"
[ "$RC" = 11 ] || check_fail "exit $RC, expected 11 (destination full)"
[ "$n" = 1 ] || { check_fail "$n ENOSPC lines: the run did not stop at the first"; note_file "$T/err" 5; }
verdict "exit 11 after one ENOSPC line"
