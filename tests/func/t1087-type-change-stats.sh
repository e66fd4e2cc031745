#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "type changes: --stats' created and deleted files counted as rsync counts them (an entry replaced by another type is not deleted, what was inside a replaced directory is), --json's files.deleted the same, real and -n runs; same -i lines, tree and exit code"
need_func
need_cmd jq

mkdir -p "$SRC/dir2link_x" "$SRC/file2dir" "$SRC/link2dir" "$SRC/keep"
printf 'now a file\n' >"$SRC/dir2file"
printf 'now a file\n' >"$SRC/emptydir2file"
ln -s somewhere "$SRC/file2link"
ln -s elsewhere "$SRC/dir2link"
printf 'i\n' >"$SRC/file2dir/i"
printf 'k\n' >"$SRC/keep/k"
stamp "$SRC"
mkdir -p "$DST/dir2file/sub" "$DST/dir2link/sub" "$DST/emptydir2file" "$DST/keep"
printf 'x\n' >"$DST/dir2file/sub/x"
printf 'y\n' >"$DST/dir2file/y"
printf 'z\n' >"$DST/dir2link/sub/z"
printf 'f\n' >"$DST/file2link"
printf 'f\n' >"$DST/file2dir"
ln -s nowhere "$DST/link2dir"
printf 'extra\n' >"$DST/keep/extra"
stamp "$DST" 1400000000

counts() {   # counts TAG: the --stats count lines of TAG's stdout
    grep -E '^Number of (created|deleted) files: ' "$T/$1.out" || true
}
for opts in "-ai --delete" "-ai --delete --force" "-ai" "-ai -n --delete"; do
    # shellcheck disable=SC2086
    run_both $opts -- "$SRC/" "$DST/"
    grep -q '^\*deleting   dir2file/sub/x$' "$T/rsync.out" ||
        [ "$opts" = "-ai" ] || fail "scenario ($opts): rsync deleted nothing inside dir2file"
    assert_same_output
    [ "$opts" = "-ai -n --delete" ] || assert_same_result
    # shellcheck disable=SC2086
    run_both $opts --stats -- "$SRC/" "$DST/"
    counts rsync >"$T/rs.counts"; counts treesync >"$T/ts.counts"
    [ -s "$T/rs.counts" ] || fail "harness ($opts): no --stats counts in rsync's output"
    diff -u "$T/rs.counts" "$T/ts.counts" >"$T/c.diff" ||
        { note_file "$T/c.diff" 20; fail "$opts: --stats counts differ from rsync's"; }
    # --json's files.deleted is --stats' number.
    want=$(sed -n 's/^Number of deleted files: \([0-9,]*\).*/\1/p' "$T/rsync.out" | tr -d ,)
    _reset_outputs
    # shellcheck disable=SC2086
    run_ts $opts --json -- "$SRC/" "$DST/"
    got=$(grep '^{' "$T/treesync.out" | jq -r .files.deleted)
    [ "$got" = "$want" ] || fail "$opts: --json files.deleted $got, rsync's deleted files $want"
done
pass
