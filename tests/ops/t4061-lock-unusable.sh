#!/bin/bash
# t4061: a lock file that cannot be used is an error, not "held".  A symlink
# another user planted at the --lock=FILE name is not followed (its target
# is untouched), and nothing is copied; and since exit 27 tells a cron
# wrapper "another run is busy, all is well", an unusable lock path (such a
# symlink, a missing directory) must exit with an error code, not 27.  The
# operator's own symlink is followed (rsync 3.5's rule for operator paths).
. "$(dirname "$0")/lib.sh"
desc "--lock=FILE that cannot be opened: not followed, not 27"
need_treesync
S=$T/src
mkdir -p "$S"; echo data >"$S/f"

# Another user's symlink at the lock file's name is not followed.
[ "$(id -u)" = 0 ] || skip "needs root to plant another user's symlink"
echo precious >"$T/target"
ln -s "$T/target" "$T/evil.lock"
chown -h nobody "$T/evil.lock"
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
# The operator's own symlink (root's) is followed: the lock is its target.
ln -s "$T/target2" "$T/own.lock"
ts "$T/o9" "$T/e9" -a --lock="$T/own.lock" "$S/" "$T/dstE/"
[ "$RC" = 0 ] && [ -e "$T/target2" ] && [ -e "$T/dstE/f" ] && ok "own symlink as --lock: followed, run done" ||
    { bad "own symlink as --lock: exit $RC"; show "$T/e9"; }
finish
