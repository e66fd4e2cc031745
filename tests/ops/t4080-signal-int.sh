#!/bin/bash
# t4080: SIGINT during a long copy: exit 20, a one-line summary on stderr
# ("interrupted by signal 2: ..."), no temp file left, no partial file under
# a final name; the next run converges.
. "$(dirname "$0")/lib.sh"
desc "SIGINT mid-copy: exit 20, one summary line, no temp left"
need_treesync
throttle_init
S=$T/src D=$T/dst
make_big "$S"
for i in $(seq 1 20); do echo "$i" >"$S/s$i"; done

interrupt INT sigint 2
[ -s "$T/sigint.out" ] && { bad "stdout not empty after SIGINT"; show "$T/sigint.out"; }
ts "$T/o" "$T/e" -a "$S/" "$D/"
[ "$RC" = 0 ] && diff -r "$S" "$D" >/dev/null && ok "the next run converges (exit 0, DEST == SRC)" ||
    bad "the next run: exit $RC, trees differ: $(diff -rq "$S" "$D" | head -3)"
finish
