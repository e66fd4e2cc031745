#!/bin/bash
# A wider tree (about 1000 entries) synced with several -j values (treesync
# only; rsync has no -j): same tree, same sorted lines as rsync.
. "$(dirname "$0")/lib.sh"
describe "-j 1 / --jobs=8 / -j 32 on a ~1000-entry tree with a stale DEST and --delete: same tree and lines as rsync"

mkdir -p "$SRC"
for d in $(seq -w 1 30); do
    mkdir -p "$SRC/d$d/s1/s2"
    for f in $(seq -w 1 25); do printf 'file %s %s\n' "$d" "$f" >"$SRC/d$d/f$f"; done
    printf 'nested %s\n' "$d" >"$SRC/d$d/s1/s2/n"
    ln -s "f01" "$SRC/d$d/link"
done
mkdata "$SRC/d01/bigger" 300000
stamp "$SRC"

copy_tree "$SRC" "$DST"
for d in 03 07 11 19 29; do
    printf 'stale %s\n' "$d" >"$DST/d$d/f05"
    rm -f "$DST/d$d/f10"
    mkdir -p "$DST/d$d/extra/x"; printf 'e\n' >"$DST/d$d/extra/x/e"
    chmod 0600 "$DST/d$d/f20"
done
rm -rf "$DST/d15"
mkdir -p "$DST/d99/z"; printf 'z\n' >"$DST/d99/z/z"

for jobs in "-j 1" "--jobs=8" "-j 32"; do
    read -r -a TS_ONLY_OPTS <<<"$jobs"
    run_both -ai --delete -- "$SRC/" "$DST"
    assert_same_result
    run_both_again -ai --delete -- "$SRC/" "$DST"
    assert_same_output
    expect_no_output treesync
done
pass
