#!/bin/sh
# Lists the functions longer than N lines (default 80, from the line that
# names the function to its closing brace) in the C files given, or in
# src/ and src/mpi/ by default:
#
#   tools/long-functions.sh [-n N] [FILE...]
#
# prints "FILE:LINE: NAME: LINES lines" per function, longest first, and
# "  (reason given)" after those whose head comment says why they are long
# in a line holding "Long:", e.g.
#
#   /* Long: one case per option of the table; a split would scatter it. */
#
# Exits 1 when a long function gives no reason, else 0.  Relies on the
# code's layout (.clang-format): a definition's name at the start of a
# line, its body's braces alone at the start of their lines.
set -eu

max=80
if [ "${1:-}" = -n ]; then
	max=$2
	shift 2
fi
if [ $# -eq 0 ]; then
	cd -- "$(dirname -- "$0")/.."
	set -- src/*.c src/mpi/*.c
fi

out=$(awk -v max="$max" '
FNR == 1 { sig = 0; infn = 0; blank = 0; longr = 0 }
/^[ \t]*$/ { blank = FNR }
/Long:/ { longr = FNR }
# A definition starts at column 0 with a name and "(" and does not end
# with ";" (a prototype).
!infn && /^[A-Za-z_][^;]*\(/ && !/;[ \t]*$/ && !/^(if|for|while|switch|return)\>/ {
	s = $0
	sub(/\(.*/, "", s)
	n = split(s, w, /[ \t*]+/)
	name = w[n]
	sig = FNR
	sig_blank = blank
	sig_long = longr
	next
}
!infn && /;[ \t]*$/ && /^[A-Za-z_]/ { sig = 0 }
!infn && sig && /^\{[ \t]*$/ { infn = 1; next }
infn && /^\}/ {
	len = FNR - sig + 1
	if (len > max)
		printf "%d\t%s:%d: %s: %d lines%s\n", len, FILENAME, sig, name,
		    len, (sig_long > sig_blank ? "  (reason given)" : "")
	infn = 0
	sig = 0
}
' "$@" | sort -t "$(printf '\t')" -k1,1nr | cut -f2-)
[ -n "$out" ] || exit 0
printf '%s\n' "$out"
! printf '%s\n' "$out" | grep -qv 'reason given'
