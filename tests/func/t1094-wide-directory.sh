#!/bin/bash
# Issue 16, item 7: a directory is decided in chunks of a few thousand
# names (join.c), its listing kept in columns (walk.c).  A directory wider
# than several chunks, merged from two sources, with changed, new,
# extraneous, excluded and type-changed names spread across the chunk
# boundaries, must give rsync's lines and tree.
. "$(dirname "$0")/lib.sh"
describe "a 5,000-name directory from two merged sources, with changes, deletions, exclusions and type changes across chunk boundaries, matches rsync"

A=$T/a B=$T/b
mkdir -p "$A/w" "$B/w"
# Names interleave between the sources; every 7th is a directory with a
# file in it, every 11th a symlink, the rest small files.
"$PYTHON" - "$A/w" "$B/w" <<'PY'
import os, sys
a, b = sys.argv[1], sys.argv[2]
for i in range(5000):
    root = a if i % 3 else b
    p = os.path.join(root, "n%05d" % i)
    if i % 7 == 0:
        os.mkdir(p)
        with open(os.path.join(p, "f"), "w") as f:
            f.write("d%d\n" % i)
    elif i % 11 == 0:
        os.symlink("t%d" % i, p)
    else:
        with open(p, "w") as f:
            f.write("x%d\n" % i)
# The same name in both sources: the first wins (files), directories merge.
for i in range(1, 5000, 500):
    with open(os.path.join(b, "n%05d" % i), "w") as f:
        f.write("second %d\n" % i)
for i in range(0, 5000, 700):
    q = os.path.join(b, "n%05d" % i)
    os.makedirs(q, exist_ok=True)
    with open(os.path.join(q, "g"), "w") as f:
        f.write("merged %d\n" % i)
PY
stamp "$A" 1500000000; stamp "$B" 1510000000

run_both -ai -- "$A/" "$B/" "$DST/"
assert_same_result --no-mtime-root

# Changes spread over the whole width: content, new names, extraneous
# names (files, directories, symlinks) between source names, a type
# change, excluded names kept or deleted.
"$PYTHON" - "$A/w" "$TS_DST/w" "$RS_DST/w" <<'PY'
import os, sys, shutil
src, dsts = sys.argv[1], sys.argv[2:]
for i in range(2, 5000, 997):
    p = os.path.join(src, "n%05d" % i)
    if os.path.isfile(p) and not os.path.islink(p):
        with open(p, "a") as f:
            f.write("changed\n")
for i in range(3, 5000, 1201):
    with open(os.path.join(src, "m%05d-new" % i), "w") as f:
        f.write("new\n")
for d in dsts:
    for i in range(5, 5000, 613):
        base = os.path.join(d, "n%05d-extra" % i)
        if i % 2:
            os.mkdir(base)
            with open(os.path.join(base, "inner"), "w") as f:
                f.write("x\n")
        else:
            os.symlink("nowhere", base)
    for i in range(17, 5000, 1700):
        t = os.path.join(d, "n%05d.tmp" % i)
        with open(t, "w") as f:
            f.write("excluded\n")
        os.utime(t, (1400000000, 1400000000))
# A file that becomes a directory, near a chunk boundary.
p = os.path.join(src, "n02050")
if os.path.isdir(p):
    shutil.rmtree(p)
else:
    os.unlink(p)
os.mkdir(p)
with open(os.path.join(p, "now-a-dir"), "w") as f:
    f.write("d\n")
PY
stamp "$A" 1520000000

run_both_again -ain --delete --exclude='*.tmp' -- "$A/" "$B/" "$DST/"
assert_same_output
run_both_again -ai --delete --exclude='*.tmp' -- "$A/" "$B/" "$DST/"
expect_line rsync '*deleting   w/n00005-extra/inner'
expect_line rsync '*deleting   w/n00618-extra'
expect_line rsync 'cd+++++++++ w/n02050/'
assert_same_result --no-mtime-root
[ -e "$TS_DST/w/n00017.tmp" ] || fail "an excluded name was deleted without --delete-excluded"

run_both_again -ai --delete --delete-excluded --exclude='*.tmp' -- "$A/" "$B/" "$DST/"
expect_line rsync '*deleting   w/n00017.tmp'
assert_same_result --no-mtime-root

run_both_again -ai --delete -- "$A/" "$B/" "$DST/"
expect_no_output treesync
pass
