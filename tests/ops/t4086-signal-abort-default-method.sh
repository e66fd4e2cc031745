#!/bin/bash
# t4086: "abort copies in flight" with the default copy method too.  With
# --copy-method=readwrite a SIGINT stops a copy within a 1 MiB step; with
# the default chain (copy_file_range first) the copy in flight must be
# aborted as well, not run to its end.  (The chain calls copy_file_range
# with up to 1 GiB per call and checks the abort flag between calls, and
# the signal is not delivered to the worker in the syscall: a big file
# keeps copying after Ctrl-C, and a `timeout`/systemd stop may escalate
# to SIGKILL, which leaves temp files.)  Slowed down with a cgroup, or not
# at all: SIGSTOP/SIGCONT would interrupt the syscall and hide the problem.
. "$(dirname "$0")/lib.sh"
desc "SIGINT aborts a copy in flight with the default method (copy_file_range)"
need_treesync
throttle_init 2000 no-stop
S=$T/src D=$T/dst
make_big "$S"
for method in readwrite auto; do
	rm -rf "$D"
	bg_start "$SLOW" "$TREESYNC" -a --copy-method="$method" "$S/" "$D/" >"$T/out" 2>"$T/err"
	pid=$BG
	wait_for_temp "$D" 20 || { bad "$method: no temp file appeared"; continue; }
	sleep 0.2
	t0=$(now)
	kill -INT "$pid"
	wait_pid "$pid" 30
	lat=$(elapsed "$t0")
	[ "$WRC" = 20 ] || bad "$method: exit $WRC (want 20)"
	if [ ! -e "$D/big.bin" ] && fle "$lat" 0.5; then
		ok "--copy-method=$method: the copy in flight was aborted, exit after ${lat}s"
	else
		bad "--copy-method=$method: the copy in flight was not aborted: $([ -e "$D/big.bin" ] && echo "big.bin was completed, ")exit ${lat}s after SIGINT ($(tail -1 "$T/err"))"
	fi
done
finish
