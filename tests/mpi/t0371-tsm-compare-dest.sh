#!/bin/bash
# --compare-dest across ranks (altdest_lib.sh has the scenario): on 2 and
# 3 simulated hosts, directories stolen, plain treesync's tree (files that
# match left out, a DEST file that matches removed after the walk), sorted
# -i lines and exit code, for an initial copy and a resync under
# --delete; the missing directory said once, the planted symlink not
# followed; a dry run is treesync's bytes on 1 and 3 ranks.  -H with
# --compare-dest: t0299.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/altdest_lib.sh"
need_simhost
need_tsm
command -v rsync >/dev/null || skip "rsync not found"
describe "--compare-dest across ranks"

altdest_setup
altdest_suite compare-dest "initial resync" "1 3"
pass "2-3 ranks: treesync's trees, lines and codes (--delete); dry runs the same bytes on 1 and 3"
