#!/bin/bash
# t4031: the live --progress line is for people: absent when stderr is not a
# terminal (cron, pipes), where rsync's per-file lines go to stdout instead
# (what rsync -P writes to cron); present with --progress=always even then;
# -P and --info=progress2 turn it on, --info=progress0 off.
. "$(dirname "$0")/lib.sh"
desc "--progress: no live line without a TTY (rsync's per-file lines on stdout), =always forces it; -P, --info=progress2/0"
need_treesync
need_cmd script util-linux
mkdir -p "$T/src/d"
for i in $(seq 1 30); do echo "$i" >"$T/src/d/f$i"; done
has_progress() { grep -qE '[0-9]+/[0-9]+ files' "$1"; }

# Not a terminal: stderr is a file.
ts "$T/out" "$T/err" -a --progress "$T/src/" "$T/d1/"
[ "$RC" = 0 ] || bad "--progress (no tty): exit $RC"
if has_progress "$T/err" || grep -q $'\r' "$T/err"; then
	bad "--progress with stderr not a terminal printed a progress line:"; show "$T/err" 3
else ok "--progress, stderr not a terminal: no progress line, no \\r"
fi
# ... and rsync's lines on stdout instead: each file's name, then its
# "\r   SIZE 100%  RATE  H:MM:SS (xfr#N, ir-chk=L/S)" line.
n=$(grep -cE $'^\r +[0-9,]+ 100% +[0-9.]+[kMG]B/s +[0-9]+:[0-9]{2}:[0-9]{2} \\(xfr#[0-9]+, ir-chk=[0-9]+/[0-9]+\\)$' "$T/out")
if [ "$n" = 30 ] && grep -qx 'd/f17' "$T/out"; then ok "--progress, no tty: 30 per-file progress lines and the names on stdout"
else bad "--progress, no tty: want 30 rsync per-file lines and the names on stdout, got $n"; show "$T/out" 5
fi

# =always: even to a file, and it still ends with a newline.
ts "$T/out" "$T/err" -a --progress=always "$T/src/" "$T/d2/"
[ "$RC" = 0 ] || bad "--progress=always: exit $RC"
if has_progress "$T/err"; then ok "--progress=always, stderr a file: progress line present"
else bad "--progress=always did not print a progress line to a file"; show "$T/err" 3
fi
[ -s "$T/err" ] && [ "$(tail -c1 "$T/err" | od -An -c | tr -d ' ')" = '\n' ] &&
    ok "--progress=always output ends with a newline" || bad "--progress=always output does not end with a newline"
grep -qE '[0-9]+/[0-9]+ files' "$T/out" && bad "--progress=always wrote progress to stdout"

# On a terminal: -P and --info=progress2 show it; --info=progress0 hides it.
on_tty() {	# name args...
	local n=$1
	shift
	rm -rf "$T/d3"
	script -qfec "'$TREESYNC' $* '$T/src/' '$T/d3/' >'$T/$n.stdout'" /dev/null </dev/null >"$T/$n.pty" 2>&1
}
on_tty P -a -P
has_progress "$T/P.pty" && ok "-P on a terminal: progress line" || { bad "-P on a terminal: no progress line"; show "$T/P.pty" 3; }
on_tty i2 -a --info=progress2
has_progress "$T/i2.pty" && ok "--info=progress2 on a terminal: progress line" || { bad "--info=progress2: no progress line"; show "$T/i2.pty" 3; }
on_tty i0 -a --progress --info=progress0
has_progress "$T/i0.pty" && bad "--progress --info=progress0 still shows progress" || ok "--info=progress0 turns it off"
on_tty none -a
has_progress "$T/none.pty" && bad "no --progress, yet a progress line on the terminal" || ok "no --progress: no progress line on a terminal"
finish
