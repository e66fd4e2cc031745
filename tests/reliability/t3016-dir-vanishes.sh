#!/bin/bash
# RT-16 A source directory that vanishes between its parent's listing and
# its own open (issue 16, item 11): rsync's outcome -- "directory has
# vanished", exit 24 (not 23), deletions elsewhere still made, and no
# "cd+++++++++ victim/" line for a directory that was never made.
#
# The root holds 2,000 files and the directory victim/; with -j 1 the
# files go first, and victim/ is removed from the source as soon as DEST
# has its first file.  (If the removal comes too late to race, the round
# is retried; 5 rounds without a race is a skip, never a pass.)
. "$(dirname "$0")/lib.sh"
cond "a source directory removed after its parent was listed: 'directory has vanished', exit 24, deletions still run, no line for it"
need_treesync
need_cmd python3

raced=0 wrong=0
for round in 1 2 3 4 5; do
    rm -rf "$T/src" "$T/dst"
    mkdir -p "$T/src/victim/inner" "$T/dst"
    for i in $(seq -w 1 2000); do echo "$i" >"$T/src/f$i"; done
    echo v >"$T/src/victim/inner/v"
    echo x >"$T/dst/extraneous"
    python3 - "$T/src" "$T/dst" "$T/ready" <<'PY' &
import os, shutil, sys, time
s, d = sys.argv[1], sys.argv[2]
open(sys.argv[3], "w").close()
end = time.time() + 20
while time.time() < end:
    if any(n.startswith("f") for n in os.listdir(d)):
        shutil.rmtree(os.path.join(s, "victim"))
        break
    time.sleep(0.0005)
PY
    killer=$!
    for _ in $(seq 200); do [ -e "$T/ready" ] && break; sleep 0.01; done
    rm -f "$T/ready"
    ts "$T/out" "$T/err" -a -i -j 1 --delete "$T/src/" "$T/dst/"
    wait "$killer"
    if ! grep -q 'vanished' "$T/err"; then
        note "round $round: victim/ was read before it was removed; again"
        continue
    fi
    raced=1
    [ "$RC" = 24 ] || { wrong=$((wrong + 1)); note "exit $RC, expected 24 (rsync's)"; note_file "$T/err" 3; }
    grep -q "directory has vanished: .*victim" "$T/err" ||
        { wrong=$((wrong + 1)); note "no 'directory has vanished' message"; note_file "$T/err" 3; }
    grep -q 'cd+++++++++ victim/' "$T/out" &&
        { wrong=$((wrong + 1)); note "a 'cd+++++++++ victim/' line for a directory never made"; }
    [ -e "$T/dst/victim" ] && { wrong=$((wrong + 1)); note "DEST/victim was made"; }
    [ -e "$T/dst/extraneous" ] &&
        { wrong=$((wrong + 1)); note "the deletion elsewhere was withheld"; }
    break
done
[ "$raced" = 1 ] || skip "could not remove victim/ between the listing and its open in 5 rounds"
result rounds="$round" wrong="$wrong"
[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "vanished directory: exit 24, message, no line, deletions made"
