#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_fuse
describe "source on latencyfs where listing one directory fails with EIO: -a --delete exits 23, deletes nothing anywhere, copies the rest"

B=$T/backing
M=$T/lfs
D=$T/dst
mkdir -p "$B/src/a" "$B/src/broken/deep" "$B/src/c" "$D/a" "$D/broken" "$D/c"
for d in a broken broken/deep c; do rand_file "$B/src/$d/file" 5000; done
rand_file "$B/src/top" 100
# Extraneous destination entries, in the broken directory and elsewhere.
for d in . a broken c; do rand_file "$D/$d/extra" 10; done
mkdir -p "$D/a/extradir"
mount_lfs "$B" "$M" "latency_us=200,readdir_eio=broken"

ts_measure run -a --delete --stats -vv "$M/src/" "$D/"
msg=$(grep -m1 -i 'cannot\|error' "$T/run.err")
note "exit $TS_RC: ${msg:-(no message)}"
record readdir-eio "lfs (readdir_eio)->ext4" auto "$(moved_by run)" 15100 "$TS_SECS" "exit $TS_RC: ${msg#treesync: }"
[ "$TS_RC" -eq 23 ] || { ts_show run; fail "exit $TS_RC, want 23"; }
[ -n "$msg" ] || { ts_show run; fail "no error message"; }
for e in extra a/extra broken/extra c/extra a/extradir; do
    [ -e "$D/$e" ] || fail "$e was deleted although a source directory could not be read"
done
for f in top a/file c/file; do
    cmp -s "$B/src/$f" "$D/$f" || fail "$f was not copied"
done
pass
