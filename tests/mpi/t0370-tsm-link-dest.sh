#!/bin/bash
# --link-dest across ranks (altdest_lib.sh has the scenario): the nightly
# hard-link snapshot on 2 and 3 simulated hosts, directories stolen, gives
# plain treesync's tree, links to yesterday's inodes, sorted -i lines and
# exit code for an initial copy, a resync of an older DEST under
# --delete, and with -H; an alternate directory missing on disk is said
# once; a symlink planted in one in place of a directory is not followed;
# a dry run is treesync's bytes on 1-4 ranks; treesync is rsync where
# their rules agree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/altdest_lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "--link-dest across ranks"

altdest_setup
altdest_suite link-dest "initial resync hlinks" "1 2 3 4"
[ "$(awk '$2 ~ /^prev\// { n++ } END { print n + 0 }' "$T/ref.link-dest.initial.tree")" -ge 80 ] ||
	fail "the reference linked too little to yesterday's snapshot"
pass "2-3 ranks: treesync's trees, links, lines and codes (-H, --delete); dry runs the same bytes on 1-4"
