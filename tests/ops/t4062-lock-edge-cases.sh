#!/bin/bash
# t4062: --lock edge cases.
# - A dry run or --check when DEST does not exist yet (a monitoring job for
#   a mirror that is not made yet): the run must still compare and say so
#   (--check: 28, -n: 0), not fail with "cannot open lock" and exit 27
#   ("held by another process").  With an existing DEST: 28 / 0.
# - SIGTERM while waiting for the lock (--lock-wait; e.g. systemd stopping
#   the job): exit 20 like any signal, not 27 with "is locked by".
. "$(dirname "$0")/lib.sh"
desc "--lock: -n/--check with a DEST not made yet; a signal during --lock-wait"
need_treesync
S=$T/src
mkdir -p "$S"; echo a >"$S/a"
for args in "--check" "-n"; do
	want=28; [ "$args" = -n ] && want=0
	# shellcheck disable=SC2086
	ts "$T/o" "$T/e" -a $args --lock "$S/" "$T/missing/"
	[ "$RC" = "$want" ] && ok "$args --lock, DEST missing: exit $RC" ||
	    bad "$args --lock, DEST missing: exit $RC, want $want ($(head -1 "$T/e"))"
	[ -e "$T/missing" ] && bad "$args created DEST"
	mkdir -p "$T/exists"
	# shellcheck disable=SC2086
	ts "$T/o" "$T/e" -a $args --lock "$S/" "$T/exists/"
	[ "$RC" = "$want" ] && ok "$args --lock, DEST exists: exit $RC" ||
	    bad "$args --lock, DEST exists: exit $RC, want $want ($(head -1 "$T/e"))"
	rmdir "$T/exists"
done

# A signal while waiting for the lock.  The holder is flock(1) on DEST.
need_cmd flock util-linux
mkdir -p "$T/held"
bg_start flock "$T/held" sleep 30
holder=$BG
sleep 0.3
bg_start "$TREESYNC" -a --lock --lock-wait=30 "$S/" "$T/held/" >"$T/w.out" 2>"$T/w.err"
waiter=$BG
sleep 0.5
kill -0 "$waiter" 2>/dev/null || bad "the waiting run did not wait"
kill -TERM "$waiter"
wait_pid "$waiter" 5
[ "$WRC" = 20 ] && ok "SIGTERM during --lock-wait: exit 20" ||
    bad "SIGTERM during --lock-wait: exit $WRC, want 20 ($(head -1 "$T/w.err"))"
kill "$holder" 2>/dev/null
finish
