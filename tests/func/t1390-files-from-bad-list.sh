#!/bin/bash
# A --files-from list that cannot be used: one that cannot be opened
# (missing, or unreadable to the user) ends the run with rsync's code 1;
# one that opens but cannot be read (a directory, as a path or as stdin)
# with rsync's code 12 (its sender fails reading the list).  treesync's
# message names the list; nothing is made in DEST.
. "$(dirname "$0")/lib.sh"
describe "--files-from naming a directory (path or stdin): exit 12 as rsync; a missing or unreadable list: exit 1; a message naming the list, DEST not made"
need_root
need_cmd setpriv

mkdir -p "$SRC"
echo a >"$SRC/a"
mkdir -p "$T/listdir"
stamp "$SRC"

# check CODE NAME: rsync's code and treesync's are CODE, treesync's
# message names NAME, neither made DEST.
check() {
    assert_rc rsync "$1"
    assert_rc treesync "$1"
    grep -qF -- "$2" "$T/treesync.err" ||
        fail "treesync's message does not name '$2': $(cat "$T/treesync.err")"
    [ ! -e "$TS_DST" ] || fail "DEST made for an unusable list"
    [ ! -e "$RS_DST" ] || fail "scenario: rsync made DEST"
}

run_both -ai --files-from="$T/listdir" -- "$SRC" "$DST"
check 12 "'$T/listdir'"
run_both -ai --from0 --files-from="$T/listdir" -- "$SRC" "$DST/"
check 12 "'$T/listdir'"

# stdin a directory (the harness gives /dev/null: run it here).
(cd "$T" && "$RSYNC" -ai --files-from=- "$SRC" "$RS_DST" <"$T/listdir" \
    >/dev/null 2>&1); echo $? >"$T/rsync.rc"
(cd "$T" && "$TREESYNC" -ai --files-from=- "$SRC" "$TS_DST" <"$T/listdir" \
    >"$T/treesync.out" 2>"$T/treesync.err"); echo $? >"$T/treesync.rc"
check 12 "'-'"

run_both -ai --files-from="$T/nolist" -- "$SRC" "$DST"
check 1 "'$T/nolist'"

# Unreadable to the user (root reads everything: run both as nobody).
printf 'a\n' >"$T/unreadable"
chmod 600 "$T/unreadable"
chmod 755 "$T"
as_nobody_tools
chmod -R a+rX "$SRC"
run_both -ai --files-from="$T/unreadable" -- "$SRC" "$DST"
check 1 "'$T/unreadable'"
grep -qF "Permission denied" "$T/treesync.err" ||
    fail "unreadable list: not a permission error: $(cat "$T/treesync.err")"
pass
