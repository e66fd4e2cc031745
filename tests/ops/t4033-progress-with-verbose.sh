#!/bin/bash
# t4033: --progress together with -v (or -i) on one terminal, the usual
# interactive "treesync -av --progress src/ dst/": stdout and stderr are the
# same pty.  Each item line must come out on a row of its own (the live
# progress line is cleared or finished before a name is printed), not be
# glued to the end of the progress line ("... ETA -:--:--  f2f3").
. "$(dirname "$0")/lib.sh"
desc "-v/-i with --progress on one terminal: item lines are not glued to the progress line"
need_treesync
need_cmd script util-linux
throttle_init
# Which slowing-down lib.sh chose (a CPU-quota cgroup, else SIGSTOP/SIGCONT).
THROTTLE=none
[ -n "$CG" ] && THROTTLE=cgroup
grep -q 'kill -STOP' "$SLOW" && THROTTLE=stop
RUN_TIMEOUT=${T033_RUN_TIMEOUT:-45}
S=$T/src
BIG_MB=$((BIG_MB / 8))
for i in 1 2 3 4 5 6; do make_big "$S" "file$i"; done
for opt in -v -i; do
	rm -rf "$T/dst" "$T/rc$opt"
	# treesync must not be script(1)'s own child: with the SIGSTOP/SIGCONT
	# throttle (no CPU-quota cgroup), script sees its child stop and stops
	# itself (util-linux "stop parent too"), and nothing ever continues it.
	# The command after treesync keeps sh from exec'ing it, and records the
	# exit status; the timeout turns any other hang into a plain failure.
	timeout -k 5 "$RUN_TIMEOUT" script -qfec "stty cols 200 rows 50; $SLOW '$TREESYNC' -a $opt -j 1 --copy-method=readwrite --progress '$S/' '$T/dst/'; echo \$? >'$T/rc$opt'" /dev/null </dev/null >"$T/pty$opt" 2>&1
	src=$?
	rc=$(cat "$T/rc$opt" 2>/dev/null)
	if [ "$src" = 124 ] || [ "$src" = 137 ]; then
		bad "$opt --progress: the run did not finish within ${RUN_TIMEOUT}s (throttle: $THROTTLE)"
		continue
	fi
	[ "$rc" = 0 ] || { bad "$opt --progress: exit '$rc' (want 0)"; show "$T/pty$opt" 5; }
	OPS_DIR=$OPS_DIR python3 -c '
import os, sys
sys.path.insert(0, os.environ["OPS_DIR"])
from pty_progress import render
t = open(sys.argv[1], "rb").read().decode("utf-8", "replace").replace("\r\n", "\n")
for r in render(t, 200):
    print(r.rstrip())
' "$T/pty$opt" >"$T/rows$opt"
	# The check below can only fail if the progress line was drawn while
	# items were still coming: make sure it was (more than the final frame).
	frames=$(python3 "$OPS_DIR/pty_progress.py" "$T/pty$opt" 200 | sed -n 's/^frames=//p')
	[ "${frames:-0}" -ge 2 ] && ok "$opt --progress: $frames progress frames drawn between the items" ||
	    bad "$opt --progress: only '${frames:-0}' progress frame(s): the copy was too short to show anything (throttle: $THROTTLE)"
	glued=""
	for i in 1 2 3 4 5 6; do
		# The item's row: "file3" (-v) or ">f+++++++++ file3" (-i), alone.
		grep -qE "^(>f\+{9} )?file$i\$" "$T/rows$opt" || glued+=" file$i"
	done
	if [ -z "$glued" ]; then ok "$opt --progress: every item line on a row of its own"
	else
		bad "$opt --progress: item lines glued to the progress line:$glued"
		grep -E "files .*file[0-9]" "$T/rows$opt" | head -3 | sed 's/^/      | /'
	fi
done
finish
