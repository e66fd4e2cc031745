#!/bin/bash
# t4091: -q wins as in rsync: with -q, rsync prints neither -v names, nor -i
# itemize lines, nor --stats (checked against rsync itself when it is
# installed).  A cron line "treesync -aqi ..." or "-aq --stats" must stay
# silent on success.
. "$(dirname "$0")/lib.sh"
desc "-q silences -v, -i and --stats, as rsync's -q does"
need_treesync
S=$T/src
mkdir -p "$S/sub"; for f in a b sub/c; do echo "$f" >"$S/$f"; done
for args in "-q -v" "-v -q" "-q -i" "-q -vv" "-q --stats" "-q -i --stats"; do
	# shellcheck disable=SC2086
	ts "$T/o" "$T/e" -a $args "$S/" "$T/d.$RANDOM/"
	if command -v rsync >/dev/null; then
		# shellcheck disable=SC2086
		rsync -a $args "$S/" "$T/r.$RANDOM/" >"$T/ro" 2>&1
		[ -s "$T/ro" ] && { note "rsync $args prints something here: skipped"; continue; }
	fi
	[ -s "$T/o" ] && bad "treesync -a $args prints on stdout (rsync: nothing): $(head -2 "$T/o" | tr '\n' '|')" ||
	    ok "treesync -a $args: silent"
done
finish
