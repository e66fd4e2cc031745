#!/bin/bash
# --list-only, and rsync's one-operand form, byte for byte as rsync lists:
# rsync's order (each directory's non-directories, then its directories,
# a directory's name compared as ending in '/', each followed by what is
# in it), "." for a "dir/" operand, one level without -r, symlink targets
# with -l, -h levels and --no-h, escaped names, filters (merge files
# too), several operands sharing the top level; DEST is never touched;
# -v's header; -q; a missing operand (23).  The trailer's byte counts are
# each tool's own (README) and are left out.
. "$(dirname "$0")/lib.sh"
describe "--list-only (and one operand) lists like rsync, byte for byte: order, '.', -r, -l targets, -h, names, filters, several operands, -v, -q, errors; DEST untouched"
need_func

make_mixed_tree "$SRC"
mkdir -p "$SRC/a.txt" "$SRC/a-b" "$SRC/Z"
printf 'q\n' >"$SRC/a-b/q"
printf -- '- *.sh\n' >"$SRC/odd/.rsync-filter"
printf 'sh\n' >"$SRC/odd/x.sh"
stamp "$SRC"

# exact OPTS... -- ARGS...: both tools' stdout equal (but the trailer's
# byte counts), the exit code and whether stderr has anything; no DEST.
exact() {
    run_rs "$@"
    run_ts "$@"
    local tag
    for tag in rsync treesync; do
        grep -av -E '^(sent [0-9,.]+[KMG]? bytes  received |total size is )' "$T/$tag.out" >"$T/$tag.cmp" || true
    done
    cmp -s "$T/rsync.cmp" "$T/treesync.cmp" || {
        diff -u --label rsync --label treesync "$T/rsync.cmp" "$T/treesync.cmp" >"$T/l.diff"
        note_file "$T/l.diff" 40
        fail "$*: the listings differ"
    }
    [ "$RS_RC" = "$TS_RC" ] || fail "$*: exit $TS_RC, rsync $RS_RC"
    if [ -s "$T/rsync.err" ] && [ ! -s "$T/treesync.err" ]; then fail "$*: no message (rsync: $(head -n1 "$T/rsync.err"))"; fi
    if [ ! -s "$T/rsync.err" ] && [ -s "$T/treesync.err" ]; then note_file "$T/treesync.err"; fail "$*: a message where rsync has none"; fi
    [ ! -e "$RS_DST" ] && [ ! -e "$TS_DST" ] || fail "$*: DEST was made"
}

exact --list-only -- "$SRC/"
[ "$(wc -l <"$T/rsync.cmp")" -ge 15 ] || fail "harness: rsync listed few entries"
head -n 1 "$T/treesync.out" | grep -qE '^drwx.* \.$' || fail "the first line is not '.'"
exact -r --list-only -- "$SRC/"
exact -a --list-only -- "$SRC/" "$DST"
exact -a -- "$SRC/"
exact -rl -- "$SRC/"
exact -r --list-only -- "$SRC"
exact --list-only -- "$SRC"
exact --list-only -- "$SRC/a/top.txt"
exact -r --list-only --no-h -- "$SRC/"
exact -r --list-only -hh -- "$SRC/"
exact -r --list-only -h -- "$SRC/"
exact -a --list-only --exclude='*.txt' --exclude=private_dir/ -- "$SRC/" "$DST"
exact -a --list-only -F -- "$SRC/" "$DST"
exact -a --list-only -- "$SRC/a/" "$SRC/odd/" "$SRC/a" "$DST"
exact -a -8 --list-only -- "$SRC/odd/"
exact -v --list-only -- "$SRC/a/"
grep -qx 'building file list ... done' "$T/treesync.out" || fail "-v: not rsync's header"
exact -av --list-only -- "$SRC/a/"
grep -qx "sending incremental file list" "$T/treesync.out" || fail "-av: not rsync's header"
exact -aq --list-only -- "$SRC/"
[ ! -s "$T/treesync.out" ] || fail "-q: treesync listed"
exact -a --list-only -- "$T/nonexistent/" "$DST"
exact -a --list-only -- "$T/nonexistent" "$SRC/a/" "$DST"
pass
