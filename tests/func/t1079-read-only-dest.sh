#!/bin/bash
# Issue 16, item 12: a read-only destination (a file system mounted ro) is
# rsync's exit 23, not 11; treesync says so once and stops starting work.
. "$(dirname "$0")/lib.sh"
describe "a read-only destination mount: exit 23 like rsync (not 11), said once, nothing made"
need_root

make_small_tree "$SRC"
mkdir -p "$T/ro.rs" "$T/ro.ts"
for d in "$T/ro.rs" "$T/ro.ts"; do
	mount -t tmpfs -o ro,size=1m tsfunc "$d" 2>/dev/null ||
		skip "cannot mount a read-only tmpfs"
	add_mount "$d"
done
timeout 30 "$RSYNC" -a "$SRC/" "$T/ro.rs/" >/dev/null 2>"$T/rs.err"; rs=$?
timeout 30 "$TREESYNC" -a "$SRC/" "$T/ro.ts/" >/dev/null 2>"$T/ts.err"; tsrc=$?
[ "$rs" = 23 ] || fail "scenario check: rsync exit $rs, expected 23"
[ "$tsrc" = 23 ] || { note_file "$T/ts.err"; fail "treesync exit $tsrc, rsync 23"; }
[ "$(grep -c 'read-only: stopping' "$T/ts.err")" = 1 ] ||
	{ note_file "$T/ts.err"; fail "the read-only destination is not said once"; }
pass
