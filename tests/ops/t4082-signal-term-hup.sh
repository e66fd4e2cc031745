#!/bin/bash
# t4082: SIGTERM and SIGHUP mid-copy are handled as SIGINT is: exit 20, one
# summary line naming the signal, no temp file, no partial file.
. "$(dirname "$0")/lib.sh"
desc "SIGTERM, SIGHUP mid-copy: exit 20, summary, no temp left"
need_treesync
throttle_init
S=$T/src D=$T/dst
make_big "$S"
for i in $(seq 1 20); do echo "$i" >"$S/s$i"; done
interrupt TERM sigterm 15
interrupt HUP sighup 1
finish
