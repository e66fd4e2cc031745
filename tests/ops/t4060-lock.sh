#!/bin/bash
# t4060: --lock keeps runs apart.  While a (slowed-down) run holds the lock:
# a second run exits 27 within 1 s and names the holder's pid;
# --lock-wait=60 waits for it and then succeeds.  --lock=FILE locks FILE
# instead of DEST, and names its holder (pid and host) for runs on other
# hosts.  The lock goes with the process: after kill -9 of the holder, the
# next run gets it at once.  (A lock that cannot be taken at
# all: t4061.)
. "$(dirname "$0")/lib.sh"
desc "--lock: 27 at once naming the pid, --lock-wait, --lock=FILE, released on kill -9"
need_treesync
throttle_init
make_big "$T/src"
S=$T/src

# start_holder DEST ARGS...: a slow run in the background that has taken its
# lock once it writes a temp file in DEST; sets HOLDER.
start_holder() {
	local dest=$1
	shift
	rm -rf "$dest"
	mkdir -p "$dest"
	bg_start "$SLOW" "$TREESYNC" -a --copy-method=readwrite "$@" "$S/" "$dest/" >"$T/holder.out" 2>"$T/holder.err"
	HOLDER=$BG
	if wait_for_temp "$dest" 20; then return 0; fi
	bad "the holder run never started copying"; show "$T/holder.err"
	return 1
}

# 1. --lock on DEST.
if start_holder "$T/dst" --lock; then
	t0=$(now)
	ts "$T/o2" "$T/e2" -a --lock "$S/" "$T/dst/"
	d=$(elapsed "$t0")
	[ "$RC" = 27 ] && ok "second run: exit 27" || { bad "second run while the lock is held: exit $RC (want 27)"; show "$T/e2"; }
	fle "$d" 1.0 && ok "second run gave up in ${d}s (<= 1 s)" || bad "second run took ${d}s to give up"
	grep -qw "$HOLDER" "$T/e2" && ok "the message names the holder's pid $HOLDER: $(head -1 "$T/e2")" ||
	    { bad "the message does not name pid $HOLDER"; show "$T/e2"; }
	kill -0 "$HOLDER" 2>/dev/null || note "the holder ended before the check (copy too fast?)"

	# 2. --lock-wait: waits for the holder, then runs.
	t0=$(now)
	ts "$T/o3" "$T/e3" -a --lock --lock-wait=60 "$S/" "$T/dst/"
	d=$(elapsed "$t0")
	[ "$RC" = 0 ] && ok "--lock-wait=60: exit 0 after ${d}s" || { bad "--lock-wait=60: exit $RC after ${d}s"; show "$T/e3"; }
	wait_pid "$HOLDER" 30
	[ "$WRC" = 0 ] && ok "the holder finished normally" || bad "the holder: exit $WRC"
	fle 0.2 "$d" && ok "--lock-wait really waited (${d}s)" || note "--lock-wait returned in ${d}s (holder already gone?)"
	cmp -s "$S/big.bin" "$T/dst/big.bin" && [ "$(count_temps "$T/dst")" = 0 ] && ok "DEST complete, no temp file" ||
	    bad "DEST incomplete or temp files left after both runs"
fi

# 3. --lock=FILE: the file is the lock, whatever the DEST.
if start_holder "$T/dstA" --lock="$T/lockfile"; then
	ts "$T/o4" "$T/e4" -a --lock="$T/lockfile" "$S/" "$T/dstB/"
	[ "$RC" = 27 ] && grep -qw "$HOLDER" "$T/e4" && ok "--lock=FILE, another DEST: exit 27 naming pid $HOLDER" ||
	    { bad "--lock=FILE held: exit $RC (want 27 and pid $HOLDER)"; show "$T/e4"; }
	[ -e "$T/dstB/big.bin" ] && bad "the refused run copied data anyway"
	# 4. kill -9 releases it.
	kill -9 "$HOLDER"; wait_pid "$HOLDER" 5
	t0=$(now)
	ts "$T/o5" "$T/e5" -a --lock="$T/lockfile" "$S/" "$T/dstA/"
	[ "$RC" = 0 ] && ok "after kill -9 of the holder, --lock=FILE is free: exit 0 in $(elapsed "$t0")s" ||
	    { bad "after kill -9: exit $RC"; show "$T/e5"; }
	[ -f "$T/lockfile" ] && [ ! -L "$T/lockfile" ] && ok "the lock file is a plain file" || bad "no lock file $T/lockfile"
	grep -qx "treesync lock: pid [0-9]* on $(hostname)" "$T/lockfile" && ok "the lock file names its holder: $(cat "$T/lockfile")" ||
	    { bad "the lock file does not name its holder"; show "$T/lockfile"; }
fi

# 5. A holder on another host (a UTS namespace named node7 sharing the
# lock file): /proc/locks cannot say who that is; the lock file does.
# A file the user filled with something else is left as it is.
if unshare -u true 2>/dev/null; then
	rm -rf "$T/dstC"; mkdir -p "$T/dstC"
	bg_start unshare -u sh -c 'hostname node7 && exec "$@"' sh "$SLOW" "$TREESYNC" -a \
	    --copy-method=readwrite --lock="$T/lockfile" "$S/" "$T/dstC/" >"$T/holder.out" 2>"$T/holder.err"
	if wait_for_temp "$T/dstC" 20; then
		ts "$T/o7" "$T/e7" -a --lock="$T/lockfile" "$S/" "$T/dstD/"
		[ "$RC" = 27 ] && grep -q "locked by process $BG on host node7" "$T/e7" &&
		    ok "a holder on another host is named by the lock file: $(head -1 "$T/e7")" ||
		    { bad "holder on host node7: exit $RC, not named"; show "$T/e7"; }
	else
		bad "the node7 holder never started copying"; show "$T/holder.err"
	fi
	kill -9 "$BG" 2>/dev/null; wait_pid "$BG" 5
else
	note "no UTS namespaces here: the other-host holder is not checked"
fi
printf 'my notes\n' >"$T/userlock"
ts "$T/o8" "$T/e8" -a --lock="$T/userlock" "$S/" "$T/dstE/"
[ "$RC" = 0 ] && [ "$(cat "$T/userlock")" = "my notes" ] && ok "a lock file with other contents is not written" ||
    { bad "--lock=FILE with contents: exit $RC, now: $(head -c 80 "$T/userlock")"; }
if start_holder "$T/dst" --lock; then
	kill -9 "$HOLDER"; wait_pid "$HOLDER" 5
	ts "$T/o6" "$T/e6" -a --lock "$S/" "$T/dst/"
	[ "$RC" = 0 ] && ok "after kill -9 of the holder, the DEST lock is free: exit 0" || { bad "after kill -9 (DEST lock): exit $RC"; show "$T/e6"; }
	[ "$(count_temps "$T/dst")" = 0 ] && ok "the killed holder's temp file was swept" || bad "temp files left: $(find "$T/dst" -name "$TEMP_GLOB")"
fi

finish
