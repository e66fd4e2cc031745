#!/bin/bash
# Operands and option files rsync refuses before looking at anything, with
# rsync's exit codes: an empty source or destination operand (1),
# --files-from with several sources (1), an --exclude-from/--include-from
# file that cannot be read (11).  Nothing is created.
. "$(dirname "$0")/lib.sh"
describe "empty operands (1), --files-from with two sources (1), unreadable --exclude-from/--include-from (11): rsync's exit codes, nothing made"

make_small_tree "$SRC"
printf 'a\n' >"$T/list"
check() {	# check CODE ARGS...: both tools exit CODE, DEST not made
	local code=$1; shift
	rm -rf "$DST"
	run_both "$@"
	assert_rc rsync "$code"
	assert_rc treesync "$code"
	[ -e "$TS_DST" ] && fail "treesync made DEST for: $*"
	[ -s "$T/treesync.err" ] || fail "no message for: $*"
	return 0
}
check 1 -a -- "" "$DST/"
check 1 -a -- "$SRC/" ""
check 1 -a -- "$SRC/" "" "$DST/"
check 1 -a --files-from="$T/list" -- "$SRC/" "$SRC/" "$DST/"
check 11 -a --exclude-from="$T/no-such-file" -- "$SRC/" "$DST/"
check 11 -a --include-from="$T/no-such-dir/x" -- "$SRC/" "$DST/"
pass
