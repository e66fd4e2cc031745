#!/bin/bash
# rsync reads a --files-from list line by line, and a CR ends a name as a
# newline does: "a\rb\n" names a and b, a CRLF line end leaves no CR
# behind, and a comment ends at a CR too ("#c\rb" names b).  With --from0
# the names end at NULs only and a CR is part of a name.
. "$(dirname "$0")/lib.sh"
describe "--files-from: a CR inside a line ends a name (two names), CRLF ends, a comment ends at CR; with --from0 a CR is part of the name, as rsync"

mkdir -p "$SRC/e"
echo a >"$SRC/a"
echo b >"$SRC/b"
echo x >"$SRC/e/f"
printf 'cr\n' >"$SRC/$(printf 'a\rb')"
stamp "$SRC"

for list in 'a\rb\n' 'a\r\nb\r\n' 'a\r\rb' '#c\rb\n;x\ra\n' 'e\rb\n' 'a\r'; do
    printf '%b' "$list" >"$T/list"
    for dest in "$DST" "$DST/"; do
        run_both -ai --files-from="$T/list" -- "$SRC" "$dest"
        assert_same_result --no-mtime-root
        assert_rc treesync 0
    done
done
printf 'a\rb\n' >"$T/list"
run_both -ai --files-from="$T/list" -- "$SRC" "$DST/"
expect_line rsync '>f+++++++++ a'
expect_line rsync '>f+++++++++ b'

# --from0: the CR stays in the name.
for list in 'a\rb\0' 'a\rb\0b\0' 'a\r\0b\0'; do
    printf '%b' "$list" >"$T/list"
    for dest in "$DST" "$DST/"; do
        run_both -ai -0 --files-from="$T/list" -- "$SRC" "$dest"
        assert_same_result --no-mtime-root
    done
done
printf 'a\rb\0b\0' >"$T/list"
run_both -ai -0 --files-from="$T/list" -- "$SRC" "$DST/"
expect_line rsync '>f+++++++++ a\#015b'
printf 'a\r\0b\0' >"$T/list"
run_both -ai -0 --files-from="$T/list" -- "$SRC" "$DST/"
assert_rc rsync 23
assert_rc treesync 23
pass
