#!/bin/bash
. "$(dirname "$0")/lib.sh"
needs_option --verify
need_fuse
describe "destination on latencyfs that silently flips a bit: without --verify the corruption goes unseen (exit 0); with --verify treesync never exits 0 with a corrupt file and never puts one in place of the old"

B=$T/backing
M=$T/lfs
mkdir -p "$B/dst" "$T/src"
rand_file "$T/src/flipme" $((2 << 20))
rand_file "$B/dst/flipme" 1000                      # the old version
cp -p "$B/dst/flipme" "$T/flipme.old"
mount_lfs "$B" "$M" "latency_us=200,fault_path=flipme,bitflip"

# The fault itself: a plain copy is silently corrupted.
ts_measure plain -a --stats "$T/src/" "$M/dst-plain/"
[ "$TS_RC" -eq 0 ] || { ts_show plain; fail "without --verify: exit $TS_RC"; }
! cmp -s "$T/src/flipme" "$B/dst-plain/flipme" || fail "latencyfs bitflip did not corrupt the copy"

ts_measure verify -a --verify --stats "$T/src/" "$M/dst/"
msg=$(grep -m1 -i 'cannot\|error\|verif\|mismatch' "$T/verify.err")
note "--verify: exit $TS_RC: ${msg:-(no message)}"
record verify "ext4->lfs (bitflip)" "auto --verify" "$(moved_by verify)" $((2 << 20)) "$TS_SECS" "exit $TS_RC: ${msg#treesync: }"
if cmp -s "$T/src/flipme" "$B/dst/flipme"; then
    note "the final file is correct (treesync recopied it)"
elif [ "$TS_RC" -eq 0 ]; then
    fail "--verify exited 0 with a corrupt file in place"
else
    cmp -s "$T/flipme.old" "$B/dst/flipme" || fail "--verify put a corrupt file in place of the old one"
    [ -n "$msg" ] || fail "--verify failed without a message"
fi
no_temps "$B"
pass
