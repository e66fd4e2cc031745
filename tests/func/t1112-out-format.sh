#!/bin/bash
# --out-format: rsync's escapes, widths and flags, which items are printed
# (every transfer; the rest only with %i, all of them with -ii; local
# changes and changed directories always), deletions ("deleting %n" unless
# the format has %i or %o), "%%" and "%%i" (ki58).
. "$(dirname "$0")/lib.sh"
describe "--out-format lines equal rsync's: escapes %o %i %n %L %l %B %M %U %G %f %C %% with widths and ' flags; which items print; deletions"

make_mixed_tree "$SRC"
mkdir -p "$DST"
mkdir -p "$DST/gone_dir/deeper"; printf 'x\n' >"$DST/gone_dir/deeper/x"
printf 'x\n' >"$DST/gone_file"

# 1. An initial copy with --delete: every kind of item, created, and the
# deletions (the format has %o: "del.").  Escapes the daemon fills (%h %a
# %P %u) stay as written, %m is empty.
F='%o|%i|%n|%L|%%|%-12n|[%14n]|%-6L|%h|%a|%m|%P|%u'
run_both -a --delete --out-format="$F" -- "$SRC/" "$DST"
expect_line rsync 'send|>f+++++++++|a/top.txt||%|a/top.txt   |[     a/top.txt]|          |%h|%a||%P|%u'
expect_line rsync 'del.|*deleting  |gone_file||%|gone_file   |[     gone_file]|          |%h|%a||%P|%u'
assert_same_result

# 2. Deletions without %i or %o are "deleting NAME".
mkdir -p "$DST/gone_dir2"; printf 'y\n' >"$DST/gone_dir2/y"
run_both_again -a --delete --out-format='%n%L' -- "$SRC/" "$DST"
run_both -a --delete --out-format='%n%L' -- "$SRC/" "$DST"
expect_line rsync 'deleting gone_dir2/y'
assert_same_result

# 3. Attribute changes and unchanged entries, on a copy of the source named
# without a trailing slash (every item is an entry of the walk): with %i the
# changed ones are printed, with -ii all of them.  The entry's own fields:
# length (plain, ' separators, '' units), permissions, mtime, ids, source
# path.
rm -rf "$DST"; mkdir -p "$DST"; copy_tree "$SRC" "$DST/src"
chmod 0600 "$DST/src/a/top.txt" "$DST/src/page_4096"
chmod 0700 "$DST/src/a/b"
touch -h -d @1400000000 "$DST/src/odd"
G="%i|%n|%L|%l|%'l|%''l|%'''l|%8l|%B|%M|%U|%G|%f"
run_both -a --out-format="$G" -- "$SRC" "$DST/"
expect_line rsync ".f...p.....|src/page_4096||4096|4,096|4.10K|4.00K|    4096|rw-r--r--|$(date -d @"$(stat -c %Y "$SRC/page_4096")" '+%Y/%m/%d-%H:%M:%S')|0|0|${SRC#/}/page_4096"
assert_same_result
chmod 0600 "$DST/src/one_byte"
run_both -a -ii --out-format="$G" -- "$SRC" "$DST/"
expect_line rsync ".L         |src/rel_link| -> a/b/c/deep.txt|14|14|14|14|      14|rwxrwxrwx|$(date -d @"$(stat -c %Y "$SRC/rel_link")" '+%Y/%m/%d-%H:%M:%S')|0|0|${SRC#/}/rel_link"
assert_same_result

# 4. Without -p -o -g: %U is 0, %G DEFAULT (rsync's), on items -ii shows.
run_both -rlt -ii --out-format='%i %n %U %G' -- "$SRC" "$DST/"
expect_line rsync '.d          src/a/ 0 DEFAULT'
assert_same_result

# 5. Without %i an attribute-only change is not printed; "%%i" is a
# literal, not itemizing (rsync's ki58), and "100%% done %f" prints once
# per transfer.
rm -rf "$DST"; mkdir -p "$DST"; copy_tree "$SRC" "$DST/src"
chmod 0640 "$DST/src/a/top.txt"
run_both -a --out-format='%%i %n' -- "$SRC" "$DST/"
expect_no_output rsync
assert_same_result
printf 'changed\n' >"$DST/src/a/b/mid.txt"
run_both -a --out-format='100%% done %f' -- "$SRC" "$DST/"
expect_line rsync "100% done ${SRC#/}/a/b/mid.txt"
assert_same_result

# 6. %C: a copied file's checksum (rsync's xxh128 of what it sent), with
# and without -c, also after an over-wide escape (ki58); 32 blanks for
# the items that are not copied; in the log file too.
for opts in -a "-a -c"; do
    # shellcheck disable=SC2086
    run_both $opts --out-format='%C %n' -- "$SRC/" "$DST"
    grep -qE '^[0-9a-f]{32} a/top.txt$' "$T/rsync.out" ||
        fail "harness: rsync $opts printed no sum for a/top.txt"
    expect_line rsync "                                 a/"
    assert_same_result
done
run_both -a --out-format='%0000000000000000000000000000%C %n' -- "$SRC/" "$DST"
assert_same_result
rm -rf "$RS_DST" "$TS_DST"
run_rs -a --log-file="$T/sum.rsync.log" --log-file-format='%C %n' -- "$SRC/" "$DST"
run_ts -a --log-file="$T/sum.treesync.log" --log-file-format='%C %n' -- "$SRC/" "$DST"
for tag in rsync treesync; do
    grep -aoE '[0-9a-f]{32} (a/top.txt|big_1MiB_13)$' "$T/sum.$tag.log" |
        sort >"$T/$tag.logsums"
done
[ "$(wc -l <"$T/rsync.logsums")" = 2 ] || fail "harness: rsync logged no %C sums"
cmp -s "$T/rsync.logsums" "$T/treesync.logsums" ||
    { note_file "$T/treesync.logsums"; fail "--log-file-format=%C: the logged sums differ"; }
pass
