#!/bin/bash
# RT-15 A FIFO swapped in for a source file never hangs the run (issue 16,
# item 1).
#
# 50 source files each flip, as fast as a rename can go, between a regular
# file and a FIFO (renameat over the name), while treesync -a -I (every
# file opened for copying) and -a -c (every file opened for hashing) runs
# again and again over them.  Opening a FIFO for reading blocks until a
# writer comes -- forever here -- unless it is opened O_NONBLOCK and
# checked.  Pass: every run ends within its 20 s timeout (exit 0, 23 or
# 24: a name that was a FIFO at the moment is skipped or reported), and no
# FIFO's name holds a partial file in DEST.
. "$(dirname "$0")/lib.sh"
cond "source files flipping between regular file and FIFO during -a -I and -a -c runs: no run hangs (20 s timeout), no wrong exit"
need_treesync
need_cmd python3

S=$T/src
mkdir -p "$S"
for i in $(seq 1 50); do head -c 4096 /dev/urandom >"$S/f$i"; done
python3 - "$S" >"$T/flipper.log" 2>&1 <<'PY' &
import os, sys, time
s = sys.argv[1]
for i in range(1, 51):
    os.mkfifo(f"{s}/.p{i}")
    os.link(f"{s}/f{i}", f"{s}/.r{i}")
end = time.time() + 60
flips = 0
while time.time() < end and os.path.exists(f"{s}/f1"):
    for i in range(1, 51):
        # f_i becomes the FIFO, then the file again (both kept as spares).
        os.link(f"{s}/.p{i}", f"{s}/.tp{i}")
        os.rename(f"{s}/.tp{i}", f"{s}/f{i}")
        os.link(f"{s}/.r{i}", f"{s}/.tr{i}")
        os.rename(f"{s}/.tr{i}", f"{s}/f{i}")
        flips += 2
print(flips)
PY
FLIPPER=$!
bg_track "$FLIPPER"
sleep 0.5
hung=0 bad=0 runs=0
for k in $(seq 1 10); do
    for mode in -I -c; do
        rm -rf "$T/dst"
        CMD_TIMEOUT=20 ts "$T/out" "$T/err" -a $mode --exclude='.*' "$S/" "$T/dst/"
        runs=$((runs + 1))
        case $RC in
            0|23|24) ;;
            124|137) hung=$((hung + 1)); note "run $runs ($mode) hung" ;;
            *) bad=$((bad + 1)); note "run $runs ($mode): exit $RC"; note_file "$T/err" 3 ;;
        esac
    done
done
kill "$FLIPPER" 2>/dev/null; wait "$FLIPPER" 2>/dev/null
result runs="$runs" hung="$hung" bad_exit="$bad"
[ "$hung" = 0 ] || check_fail "$hung run(s) hung opening a FIFO"
[ "$bad" = 0 ] || check_fail "$bad run(s) with an unexpected exit code"
verdict "$runs runs over flipping FIFOs: none hung"
