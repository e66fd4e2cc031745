#!/bin/bash
# Self-test of the harness (not a treesync test; run.sh does not run it).
#
#  1. rsync against itself: every test must pass (or skip).
#  2. rsync that silently ignores -t (a wrapper appending --no-times):
#     the tests that depend on times must fail.
#  3. rsync whose stdout loses the "*deleting" lines: the --delete tests must
#     fail on the output comparison.
#
# Exit 0 iff the harness behaves.
here=$(cd -- "$(dirname -- "$0")" && pwd)
rsync_bin=$(command -v "${RSYNC:-rsync}") || { echo "selftest: rsync not found"; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/tsfunc-selftest.XXXXXX") || exit 1
trap 'rm -rf -- "$w"' EXIT
ok=1

echo "== 1. rsync vs rsync: everything must pass"
if TREESYNC=$rsync_bin bash "$here/run.sh" >"$w/1.log" 2>&1; then
    echo "   ok: $(tail -n1 "$w/1.log")"
else
    echo "   BAD: $(tail -n1 "$w/1.log")"; grep -E '^FAIL ' "$w/1.log"; ok=0
fi

printf '#!/bin/sh\nexec %q "$@" --no-times\n' "$rsync_bin" >"$w/rsync-no-t"
printf '#!/bin/bash\n%q "$@" | grep -v "^\\*deleting "\nexit ${PIPESTATUS[0]}\n' "$rsync_bin" >"$w/rsync-no-deleting"
chmod +x "$w/rsync-no-t" "$w/rsync-no-deleting"

expect_fail() {   # expect_fail WRAPPER TEST...
    local wrapper=$1 t; shift
    for t; do
        if TREESYNC=$w/$wrapper bash "$here/run.sh" "$t" >"$w/x.log" 2>&1; then
            echo "   BAD: $t passed with $wrapper"; ok=0
        else
            echo "   ok: $t fails with $wrapper: $(grep -m1 -oE '(trees differ: .*|stdout differs.*|exit code [0-9]+, rsync [0-9]+)$' "$w/x.log")"
        fi
    done
}
echo "== 2. a binary that ignores -t must be caught"
expect_fail rsync-no-t t1010 t1020 t1040 t1084
echo "== 3. a binary that drops the *deleting lines must be caught"
expect_fail rsync-no-deleting t1030 t1090

if [ $ok = 1 ]; then echo "selftest OK"; exit 0; fi
echo "selftest FAILED"; exit 1
