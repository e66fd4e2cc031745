#!/bin/bash
# t4090: -q is for cron: a run with changes prints nothing on stdout (and
# nothing on stderr when all goes well); a run without changes prints
# nothing at all; errors still reach stderr (and the exit status).
. "$(dirname "$0")/lib.sh"
desc "-q: silent on success, errors still on stderr"
need_treesync
S=$T/src D=$T/dst
mkdir -p "$S/sub"
for f in a b sub/c; do echo "$f" >"$S/$f"; done
mkdir -p "$D"; echo old >"$D/stale"

ts "$T/o1" "$T/e1" -a -q --delete "$S/" "$D/"
[ "$RC" = 0 ] || bad "run with changes: exit $RC"
[ -s "$T/o1" ] && { bad "-q, run with changes: stdout not empty"; show "$T/o1"; } || ok "-q, run with changes: nothing on stdout"
[ -s "$T/e1" ] && { bad "-q, run with changes: stderr not empty"; show "$T/e1"; } || ok "-q, run with changes: nothing on stderr"
[ -e "$D/sub/c" ] && [ ! -e "$D/stale" ] || bad "the -q run did not sync"
ts "$T/o2" "$T/e2" -a -q --delete "$S/" "$D/"
[ "$RC" = 0 ] && [ ! -s "$T/o2" ] && [ ! -s "$T/e2" ] && ok "-q, run without changes: exit 0, no output at all" ||
    { bad "-q, no-change run: exit $RC, $(wc -c <"$T/o2") bytes stdout, $(wc -c <"$T/e2") bytes stderr"; show "$T/o2"; show "$T/e2"; }
# A new destination: rsync says "created directory" only when not quiet.
ts "$T/o3" "$T/e3" -a -q "$S/" "$T/newdst/"
[ ! -s "$T/o3" ] && [ ! -s "$T/e3" ] && ok "-q, new DEST: no 'created directory' line" || { bad "-q, new DEST printed:"; show "$T/o3"; }
# Errors.
ts "$T/o4" "$T/e4" -a -q "$T/missing/" "$D/"
[ "$RC" = 23 ] && ok "-q, missing source: exit 23" || bad "-q, missing source: exit $RC"
grep -q "missing" "$T/e4" && ok "-q: the error is on stderr: $(head -1 "$T/e4")" || bad "-q: no error message on stderr"
[ -s "$T/o4" ] && bad "-q: the error went to stdout"
chmod 000 "$S/sub"
if [ "$(id -u)" = 0 ] && [ -r "$S/sub/c" ]; then
	# root reads anything: make the error another way (a file in place of a dir in DEST).
	chmod 755 "$S/sub"
	rm -rf "$D/sub"; echo x >"$D/sub"; chattr +i "$D/sub" 2>/dev/null || true
fi
ts "$T/o5" "$T/e5" -a -q "$S/" "$D/"
chattr -i "$D/sub" 2>/dev/null; chmod 755 "$S/sub"
if [ "$RC" != 0 ]; then
	[ -s "$T/e5" ] && ok "-q, a run with an error (exit $RC): the error is on stderr" || bad "-q, exit $RC but nothing on stderr"
else note "could not provoke a per-file error here (exit 0)"
fi
[ -s "$T/o5" ] && bad "-q: stdout not empty in a failing run"
finish
