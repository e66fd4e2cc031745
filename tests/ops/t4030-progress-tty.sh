#!/bin/bash
# t4030: --progress on a terminal.  treesync runs under script(1), so its
# stderr is a pseudo-terminal and its stdout a file; the copy is slowed down
# (CPU-quota cgroup, see lib.sh) to last ~2 s.  Checks: the progress line is
# on stderr only, shows "files" and a rate, is redrawn more than once, and
# ends clean (the capture ends with a newline, no carriage return after the
# last line, the screen's progress row is exactly the last frame).
. "$(dirname "$0")/lib.sh"
desc "--progress under a pseudo-terminal: live, redrawn, ends clean"
need_treesync
need_cmd script util-linux
throttle_init
make_big "$T/src"
for i in $(seq 1 50); do echo "$i" >"$T/src/small.$i"; done

t0=$(now)
script -qfec "$SLOW '$TREESYNC' -a --copy-method=readwrite --progress '$T/src/' '$T/dst/' >'$T/stdout'; echo \$? >'$T/rc'" /dev/null </dev/null >"$T/pty" 2>&1
dur=$(elapsed "$t0")
rc=$(cat "$T/rc" 2>/dev/null)
note "the run took ${dur}s"
[ "$rc" = 0 ] && ok "exit 0" || bad "exit '$rc'"
fle 1.0 "$dur" || note "the copy was shorter than 1 s: redraw counts are not meaningful"

python3 "$OPS_DIR/pty_progress.py" "$T/pty" >"$T/facts"
# shellcheck disable=SC1090
while IFS='=' read -r k v; do printf -v "P_$k" '%s' "$v"; done <"$T/facts"
note "first frame: '$P_first'"
note "last frame:  '$P_last'"

[ "$P_frames" -ge 1 ] && ok "a progress line appears on the terminal (stderr)" ||
    { bad "no progress line on the terminal"; show "$T/pty"; }
[ "$P_frames" -ge 3 ] && ok "redrawn: $P_frames frames for a ${dur}s copy" ||
    bad "only $P_frames frame(s) for a ${dur}s copy (4 redraws a second expected)"
[ "$P_rate_frames" = "$P_frames" ] && ok "every frame shows 'files' and a rate" ||
    bad "$((P_frames - P_rate_frames)) frame(s) without a rate"
[ "$P_ends_newline" = 1 ] && ok "the output ends with a newline" ||
    { bad "the output does not end with a newline"; show "$T/pty" 3; }
[ "$P_cr_after_last" = 0 ] && ok "no carriage return after the final line" ||
    bad "a carriage return follows the final line (junk after the summary)"
[ "$P_clean" = 1 ] && ok "the screen's progress row is exactly the last frame" ||
    bad "the screen shows '$P_rendered_last', not the last frame"
[ "$P_rendered_rows" = 1 ] && ok "one progress row on the screen" ||
    bad "$P_rendered_rows progress rows on the screen"
if grep -q "files" "$T/stdout" || grep -q $'\r' "$T/stdout"; then
	bad "progress output on stdout:"; show "$T/stdout" 3
else ok "nothing of the progress line on stdout"
fi
cmp -s "$T/src/big.bin" "$T/dst/big.bin" && ok "the copy is complete" || bad "dst/big.bin differs from the source"
finish
