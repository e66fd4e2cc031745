#!/bin/bash
# t4071: the log cannot be forged through an operand.  A DEST (or SRC)
# operand with a newline in its name must be escaped in the log as it is on
# stdout ("created directory dst\#012..."): every log line keeps the
# "YYYY/MM/DD HH:MM:SS [pid] " prefix, and no line can claim another
# time or pid.
. "$(dirname "$0")/lib.sh"
desc "--log-file: operands with control characters are escaped too"
need_treesync
S=$T/src
mkdir -p "$S"; echo a >"$S/a"
STAMP='^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[[0-9]+\] '
evil=$T/$'dst\n1999/01/01 00:00:00 [1] FORGED'
ts "$T/out" "$T/err" -a -n --log-file="$T/log" "$S/" "$evil/"
[ "$RC" = 0 ] || { bad "exit $RC"; show "$T/err"; }
grep -q 'created directory .*\\#012' "$T/out" && ok "stdout escapes the operand: $(head -1 "$T/out")"
if grep -vqE "$STAMP" "$T/log" || grep -q '^1999/01/01 .*FORGED' "$T/log"; then
	bad "a DEST operand with a newline forges a log line:"
	cat -A "$T/log" | head -3 | sed 's/^/      | /'
else ok "every log line is the run's own ($(wc -l <"$T/log") lines)"
fi
finish
