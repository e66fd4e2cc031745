#!/bin/bash
# t4070: --log-file writes rsync-style lines "YYYY/MM/DD HH:MM:SS [pid] ...":
# every line timestamped with the run's pid, the itemize lines also in a dry
# run, control characters in names escaped (a newline in a name is \#012,
# so one item is one line), appended on the next run, errors logged too.
# A symlink another user planted at the log path is not followed (rsync
# 3.5's rule for operator paths): a warning naming the log file, the
# symlink's target unchanged, and -- as rsync -- the run goes on without
# the log (exit 0).  The operator's own symlink (root's here) is followed.
. "$(dirname "$0")/lib.sh"
desc "--log-file: timestamped lines, dry-run items, escaping, another user's symlink not followed, one's own followed"
need_treesync
S=$T/src D=$T/dst L=$T/sync.log
mkdir -p "$S/dir"
echo plain >"$S/plain"
echo nl >"$S/new"$'\n'"line"
echo esc >"$S/esc"$'\e'"[31mred"
echo cr >"$S/cr"$'\r'"x"
echo inner >"$S/dir/inner"
STAMP='^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[[0-9]+\] '

# Dry run, in the background to know its pid.
bg_start "$TREESYNC" -a -n --log-file="$L" "$S/" "$D/" >"$T/out" 2>"$T/err"
pid=$BG
wait_pid "$pid" 30
[ "$WRC" = 0 ] && ok "dry run with --log-file: exit 0" || { bad "dry run: exit $WRC"; show "$T/err"; }
[ -e "$D" ] && bad "the dry run created DEST"
[ -s "$L" ] || { bad "no log written"; finish; }
n_bad=$(grep -cvE "$STAMP" "$L")
[ "$n_bad" = 0 ] && ok "every line starts 'YYYY/MM/DD HH:MM:SS [pid] ' ($(wc -l <"$L") lines)" ||
    { bad "$n_bad line(s) without the timestamp prefix:"; grep -vE "$STAMP" "$L" | head -3 | cat -A | sed 's/^/      | /'; }
pids=$(sed -nE 's/^[^[]*\[([0-9]+)\].*/\1/p' "$L" | sort -u)
[ "$pids" = "$pid" ] && ok "the pid in the lines is the run's ($pid)" || bad "pids in the log: '$pids', the run's: $pid"
for item in 'plain' 'dir/' 'dir/inner'; do
	grep -qE "${STAMP}[>c][fd]\+{9} ${item}\$" "$L" && ok "dry run logs the item line for '$item'" ||
	    { bad "dry run: no itemize line for '$item'"; show "$L" 12; }
done
grep -qF 'new\#012line' "$L" && ok "a newline in a name is logged as \\#012" || bad "no 'new\\#012line' in the log"
grep -qF 'esc\#033[31mred' "$L" && ok "an ESC in a name is logged as \\#033" || bad "no 'esc\\#033[31mred' in the log"
grep -qF 'cr\#015x' "$L" && ok "a CR in a name is logged as \\#015" || bad "no 'cr\\#015x' in the log"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$L"; then
	bad "raw control characters in the log:"; LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$L" | cat -A | head -3 | sed 's/^/      | /'
else ok "no raw control character in the log"
fi
lines1=$(wc -l <"$L")
head -1 "$L" >"$T/first"

# A real run appends; its items and a final line are there.
ts "$T/out" "$T/err" -a --log-file="$L" "$S/" "$D/"
[ "$RC" = 0 ] || { bad "real run: exit $RC"; show "$T/err"; }
[ "$(head -1 "$L")" = "$(cat "$T/first")" ] && [ "$(wc -l <"$L")" -gt "$lines1" ] &&
    ok "the next run appends ($lines1 -> $(wc -l <"$L") lines)" || bad "the log was not appended to"
tail -n +"$((lines1 + 1))" "$L" >"$T/run2"
grep -qE "${STAMP}>f\+{9} plain\$" "$T/run2" && ok "real run logs its items" || bad "real run: no item line for 'plain'"
grep -qE "${STAMP}.*exit 0" "$T/run2" && ok "a final line with the exit status" || { bad "no final line with 'exit 0'"; show "$T/run2" 20; }
[ -s "$T/out" ] && { bad "--log-file alone printed on stdout"; show "$T/out" 3; }

# Errors are logged too.
ts "$T/out" "$T/err" -a --log-file="$L" "$T/missing/" "$D/"
[ "$RC" = 23 ] || note "missing source: exit $RC"
tail -n 3 "$L" | grep -q "missing" && ok "an error is logged: $(grep missing "$L" | tail -1 | cut -c1-120)" ||
    { bad "the error about the missing source is not in the log"; tail -3 "$L" | sed 's/^/      | /'; }

# A symlink planted at the log path by another user (nobody).
echo "precious, keep me" >"$T/target"
touch -d 2020-02-02 "$T/target"
before=$(stat -c '%s %Y %i' "$T/target")
ln -s "$T/target" "$T/evil.log"
if [ "$(id -u)" = 0 ] && chown -h nobody "$T/evil.log" 2>/dev/null; then
	ts "$T/out" "$T/err" -a --log-file="$T/evil.log" "$S/" "$T/dst2/"
	[ "$RC" = 0 ] && ok "log path is another user's symlink: warned, run done (exit 0, as rsync)" ||
	    { bad "log path is another user's symlink: exit $RC (rsync: 0)"; show "$T/err"; }
	grep -q "evil.log" "$T/err" && ok "the warning names the log file: $(head -1 "$T/err")" ||
	    { bad "no message naming the log file"; show "$T/err"; }
	[ "$(stat -c '%s %Y %i' "$T/target")" = "$before" ] && [ "$(cat "$T/target")" = "precious, keep me" ] &&
	    ok "the symlink's target is unchanged" || bad "the symlink's target was written"
	[ -L "$T/evil.log" ] && ok "the symlink itself is left as it was" || bad "the symlink was replaced"
	diff -r "$S" "$T/dst2" >/dev/null && ok "the run copied without the log" || bad "the run did not copy"
	# The same symlink as the operator's own: followed.
	chown -h root "$T/evil.log"
	ts "$T/out" "$T/err" -a --log-file="$T/evil.log" "$S/" "$T/dst3/"
	[ "$RC" = 0 ] && grep -q 'starting' "$T/target" &&
	    ok "the operator's own symlink is followed: the log is in its target" ||
	    { bad "own symlink: exit $RC, log not written through it"; show "$T/err"; }
else
	note "skipped the symlink part: needs root to plant another user's symlink"
fi
finish
