#!/bin/bash
# --help and --version exit 0 and print something on stdout; no arguments is
# a usage error (exit 1, as rsync).
. "$(dirname "$0")/lib.sh"
describe "--help / --version exit 0 with output; no arguments exits 1 like rsync"

for opt in --help --version; do
    run_ts "$opt" --
    assert_rc treesync 0
    [ -s "$T/treesync.out" ] || fail "$opt printed nothing on stdout"
done

run_rs --
run_ts --
[ "$RS_RC" = 1 ] || fail "harness: rsync without arguments exited $RS_RC, expected 1"
assert_rc treesync "$RS_RC"
pass
