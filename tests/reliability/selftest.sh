#!/bin/bash
# Proves that every scenario of the battery can fail: each one is run
# against a deliberately wrong "treesync" and must FAIL (exit 1).  A
# scenario that passes against its wrong tool is a blind test.
#
#   tests/reliability/selftest.sh [PATTERN...]
#
# The wrong tools (tests/reliability/broken/):
#   cp-inplace        cp -a writing in place, following DEST symlinks,
#                     path-based rm -r for --delete
#   rsync-compat      rsync 3.5.0 (deletes before noticing read errors,
#                     deletes from an empty source, records a file rewritten
#                     in place with its mtime restored as up to date, ...)
#   nondeterministic  the real treesync, but -j 64 loses a file
#   rawprint          the real treesync plus raw, unescaped name lines
# (The race scenarios also carry their own positive control, run every
# time: a naive path-based writer/deleter/copier that must escape.)
# Budgets are reduced (RACE_SECONDS=3, RT18_ENTRIES=5000, ...).
# Last line: "N caught, N missed"; exit 0 iff every wrong tool was caught.
here=$(cd -- "$(dirname -- "$0")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
: "${TREESYNC:=$repo/build/treesync}"
case $TREESYNC in /*) ;; */*) TREESYNC=$PWD/$TREESYNC ;; esac
export REAL_TREESYNC=$TREESYNC
export RACE_SECONDS=${RACE_SECONDS:-3} RT02_ITERATIONS=${RT02_ITERATIONS:-6} \
    RT10_ITERATIONS=${RT10_ITERATIONS:-1} RT18_ENTRIES=${RT18_ENTRIES:-5000}
RELI_HELPERS=$(bash -c ". '$here/lib.sh' >/dev/null && build_helpers >&2 && echo \"\$RELI_HELPERS\"") || exit 2
export RELI_HELPERS
logdir=$(mktemp -d "${TMPDIR:-/tmp}/treesync-reli-selftest.XXXXXX") || exit 2

# scenario:wrong tool
pairs=(
    t3001-live-observer:cp-inplace
    t3002-kill9-rerun:cp-inplace
    t3005-source-read-error:rsync-compat
    t3006-unreadable-dir-no-delete:rsync-compat
    t3007-empty-source-guard:rsync-compat
    t3008-max-delete:rsync-compat
    t3009-dest-faults:cp-inplace
    t3010-source-changes:rsync-compat
    t3018-determinism:nondeterministic
    t3101-dest-symlink-race:cp-inplace
    t3102-static-plants:cp-inplace
    t3103-source-symlinks:cp-inplace
    t3104-delete-race:cp-inplace
    t3105-crafted-names:rawprint
    t3106-metadata-no-follow:cp-inplace
)
caught=0 missed=0
for p in "${pairs[@]}"; do
    name=${p%%:*} tool=${p#*:}
    [ -f "$here/$name.sh" ] || continue
    if [ $# -gt 0 ]; then
        want=0
        for pat in "$@"; do [[ $name == *$pat* ]] && want=1; done
        [ "$want" = 1 ] || continue
    fi
    log=$logdir/$name.log
    TREESYNC=$here/broken/$tool timeout -k 10 300 bash "$here/$name.sh" </dev/null >"$log" 2>&1
    rc=$?
    why=$(grep -E '^(PASS|FAIL|SKIP): ' "$log" | tail -n1 | cut -c1-150)
    if [ "$rc" = 1 ]; then
        caught=$((caught + 1))
        printf 'caught  %-32s by %-16s %s\n' "$name" "$tool" "${why#FAIL: $name: }"
    else
        missed=$((missed + 1))
        printf 'MISSED  %-32s by %-16s exit %s: %s\n' "$name" "$tool" "$rc" "$why"
    fi
done
echo "$caught caught, $missed missed (logs: $logdir)"
[ "$missed" = 0 ]
