#!/bin/bash
# rsync's receiver makes DEST the one entry of its file list when the list
# holds one entry and DEST is named without a trailing slash and is
# missing or not a directory (a file to a new name).  A --files-from list
# (or -R's operands) naming one file with no directory on its way is such
# a list: DEST becomes that file.  A directory on the way (an implied
# directory), several entries, "./NAME" (the root sent too), DEST/ or an
# existing directory DEST keep DEST a directory, as before.
. "$(dirname "$0")/lib.sh"
describe "--files-from and -R selecting one file (or symlink) into a DEST without a trailing slash, missing or a file: DEST becomes it, as rsync (-a, -r, -n, an existing file, --mkpath); an implied directory, several entries, './a', DEST/ or a directory DEST: a directory as before"

mkdir -p "$SRC/sub"
echo a >"$SRC/a"
echo b >"$SRC/sub/b"
ln -s a "$SRC/lnk"
stamp "$SRC"

one() { printf '%b' "$1" >"$T/list"; }

# DEST missing, named without a slash.
for list in 'a\n' 'lnk\n' 'sub/b\n' 'a\nsub/b\n' 'a\na\n' './a\n' 'a\nnope\n'; do
    one "$list"
    for opts in -a -r -an -ai; do
        run_both -i "$opts" --files-from="$T/list" -- "$SRC" "$DST"
        # (-r keeps no times: each tool's own.)
        if [ "$opts" = -r ]; then
            assert_same_result --no-mtime --no-perms
        else
            assert_same_result --no-mtime-root
        fi
    done
    # DEST/: always a directory.
    run_both -ai --files-from="$T/list" -- "$SRC" "$DST/"
    assert_same_result --no-mtime-root
done
one 'a\n'
run_both -ai --files-from="$T/list" -- "$SRC" "$DST"
[ -f "$TS_DST" ] || fail "one listed file: DEST is not that file"
one 'sub/b\n'
run_both -ai --files-from="$T/list" -- "$SRC" "$DST"
[ -d "$TS_DST" ] || fail "sub/b: DEST is not a directory"

# DEST an existing file: replaced by the one entry.
one 'a\n'
echo old >"$DST"
touch -d @1400000000 "$DST"
run_both -ai --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result
[ "$(cat "$TS_DST")" = a ] || fail "an existing file DEST: not replaced"
rm -f "$DST"

# DEST an existing directory: the entry goes inside, as before.
mkdir -p "$DST"
run_both -ai --files-from="$T/list" -- "$SRC" "$DST"
assert_same_result --no-mtime-root
rm -rf "$DST"

# --mkpath: DEST's parents made, DEST the file.
run_both -ai --mkpath --files-from="$T/list" -- "$SRC" "$DST/x/y"
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/x/y" ] || fail "--mkpath: x/y is not the file"
rm -rf "$DST"

# -R: an operand marked off with /./ is one name (run from $T).
run_both -aiR -- src/./a "$DST"
assert_same_result --no-mtime-root
[ -f "$TS_DST" ] || fail "-R src/./a: DEST is not the file"
run_both -aiR -- src/a "$DST"
assert_same_result --no-mtime-root --no-mtime-dirs
pass
