#!/bin/bash
# Names that rsync escapes in its output (\#ooo): control chars, newline,
# DEL, a literal "\#012", non-ASCII bytes (escaped in the C locale, printed
# raw in a UTF-8 locale when valid), invalid UTF-8; plus tab (never escaped),
# backslash, leading dash/dot, glob chars, a 255-byte name, odd link targets.
. "$(dirname "$0")/lib.sh"
describe "odd names and link targets in -i and -v output, in the C and the C.UTF-8 locale"

mkdir -p "$SRC/ünï dir"
cd "$SRC" || fail "cd"
for n in 'back\slash' 'lit\#012x' $'new\nline' $'tab\there' $'cr\rname' $'ctl\001x' $'del\177x' \
         'ünïcødé' $'bad\xff\xfeutf8' $'\xe2\x80\x8bzero-width' '-' '--' '-leading' '.dot' '..dotdot' \
         '*star?[x]' 'a:colon' '~tilde' "quote'\"" 'ünï dir/inner ü'; do
    printf '%s\n' "$n" >"$n" || fail "harness: cannot create $n"
done
long=$(printf 'L%.0s' $(seq 1 255))
printf 'long\n' >"$long"
ln -s $'target\nwith newline' link_nl
ln -s 'target\#041lit' link_lit
ln -s 'ünï dir' link_uni
ln -s $'\xff' link_bad
cd / || fail "cd"
stamp "$SRC"

for loc in C C.UTF-8; do
    if [ "$loc" != C ]; then
        LC_ALL=$loc locale charmap 2>/dev/null | grep -qi 'utf-\?8' || {
            note "locale $loc not available: only C checked"; continue; }
    fi
    export LC_ALL=$loc
    run_both -ai -- "$SRC/" "$DST"
    assert_same_result
    run_both -av -- "$SRC/" "$DST"
    assert_same_result
    export LC_ALL=C
done
pass
