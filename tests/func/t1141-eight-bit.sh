#!/bin/bash
# -8 / --8-bit-output: bytes with the high bit set print as they are, in
# the C locale too; control characters and a literal "\#ooo" are still
# escaped; --no-8 turns it off.  (C1 controls written in UTF-8 stay
# escaped in treesync: README; none here.)
. "$(dirname "$0")/lib.sh"
describe "-8 leaves high-bit name bytes unescaped (C and C.UTF-8 locales), escapes control characters, equals rsync's -i/-v lines"

mkdir -p "$SRC/d$(printf '\351')"
printf 'x\n' >"$SRC/hi$(printf '\371')name"              # latin-1 byte
printf 'x\n' >"$SRC/caf$(printf '\303\251')"             # UTF-8 é
printf 'x\n' >"$SRC/d$(printf '\351')/in$(printf '\377')"
printf 'x\n' >"$SRC/ctl$(printf '\033')[1m"               # ESC: still escaped
printf 'x\n' >"$SRC/lit\\#012x"                          # literal \#012
ln -s "t$(printf '\371')rget" "$SRC/link$(printf '\351')"
stamp "$SRC"

for loc in C C.UTF-8; do
    for opts in "-ai -8" "-av --8-bit-output" "-ai -8 --no-8" "-ai"; do
        # shellcheck disable=SC2086
        LC_ALL=$loc run_both $opts -- "$SRC/" "$DST"
        assert_same_result
    done
done
LC_ALL=C run_both -ai -8 -- "$SRC/" "$DST"
grep -qa "$(printf '>f+++++++++ hi\371name')" "$T/rsync.out" || fail "harness: rsync -8 escaped the byte"
grep -qaF '\#033[1m' "$T/treesync.out" || fail "-8: the escape character was not escaped"
LC_ALL=C run_both -ai -- "$SRC/" "$DST"
grep -qaF 'hi\#371name' "$T/treesync.out" || fail "without -8 the high byte is not escaped in the C locale"
pass
