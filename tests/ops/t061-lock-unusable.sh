#!/bin/bash
# t061: a lock file that cannot be used is an error, not "held".  A symlink
# at the --lock=FILE name is not followed (its target is untouched), and
# nothing is copied; and since exit 27 tells a cron wrapper "another run is
# busy, all is well", an unusable lock path (a symlink, a missing
# directory) must exit with an error code, not 27.
. "$(dirname "$0")/lib.sh"
desc "--lock=FILE that cannot be opened: not followed, not 27"
need_treesync
S=$T/src
mkdir -p "$S"; echo data >"$S/f"

# A symlink at the lock file's name is not followed.
echo precious >"$T/target"
ln -s "$T/target" "$T/evil.lock"
ts "$T/o7" "$T/e7" -a --lock="$T/evil.lock" "$S/" "$T/dstC/"
[ "$RC" != 0 ] && ok "--lock=SYMLINK refused: exit $RC, $(head -1 "$T/e7")" || bad "--lock through a symlink was accepted"
[ "$(cat "$T/target")" = precious ] || bad "the symlink's target was changed"
[ -e "$T/dstC/f" ] && bad "the run with an unusable lock copied data anyway"

# A lock that cannot be taken is not "held by another run": exit 27 tells
# a cron wrapper "another run is busy, fine"; a broken lock path must not
# look like that.
for lk in "$T/evil.lock" "$T/no/such/dir/x.lock"; do
	ts "$T/o8" "$T/e8" -a --lock="$lk" "$S/" "$T/dstD/"
	if [ "$RC" != 0 ] && [ "$RC" != 27 ]; then ok "unusable lock file ${lk#$T/}: exit $RC (an error, not 27)"
	else bad "unusable lock file ${lk#$T/}: exit $RC, the code of 'held by another process' ($(head -1 "$T/e8"))"
	fi
done
finish
