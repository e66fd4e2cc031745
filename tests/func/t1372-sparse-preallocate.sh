#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-S turns runs of zeros into holes as rsync does (dense files with zero runs, trailing zeros, holes of the source, --inplace over a dense file), --preallocate reserves space and -S --preallocate frees the zero runs again; where fallocate says EOPNOTSUPP a warning once and exit 0; same -i lines, exit codes and tree as rsync"

# kib FILE: the KiB the file takes on disk.
kib() { du -k -- "$1" | cut -f1; }

# zeros: 4 KiB of data, 2 MiB of zeros, 100 bytes of data, 5000 zeros;
# matched: 64 x (4 KiB data, 24 KiB zeros, 4 KiB data); holey: a real
# hole of 1 MiB and a tail; small and dense files are plain.
mkdir -p "$SRC/d1/d2" "$DST/d1/d2"
"$PYTHON" - "$SRC" <<'EOF'
import os, sys
s = sys.argv[1]
with open(os.path.join(s, 'zeros'), 'wb') as f:
    f.write(os.urandom(4096)); f.write(b'\0' * (2 << 20))
    f.write(os.urandom(100)); f.write(b'\0' * 5000)
with open(os.path.join(s, 'd1/d2/matched'), 'wb') as f:
    for _ in range(64):
        f.write(os.urandom(4096) + b'\0' * 24576 + os.urandom(4096))
with open(os.path.join(s, 'dense'), 'wb') as f:
    f.write(os.urandom(300000))
EOF
truncate -s 1M "$SRC/holey"
printf 'tail' >>"$SRC/holey"
printf 'small\n' >"$SRC/small"
# DEST: dense old versions of two of them (to be written in place).
mkdata "$DST/d1/d2/matched" $((64 * 32768))
mkdata "$DST/zeros" 3000000
stamp "$SRC"
stamp "$DST" 1400000000

for opts in "-ai -S" "-ai -S --preallocate" "-ai --preallocate" "-ai -S --inplace" "-ai -S --inplace --preallocate"; do
    # shellcheck disable=SC2086
    run_both $opts -- "$SRC/" "$DST"
    assert_same_result
    expect_line rsync '>f.st...... zeros'
    case $opts in *-S*)
        for f in zeros d1/d2/matched holey; do
            r=$(kib "$RS_DST/$f") t=$(kib "$TS_DST/$f")
            [ "$t" -le $((r + 8)) ] || fail "$opts: $f takes $t KiB, rsync's copy $r KiB (zero runs not made holes)"
        done
        [ "$(kib "$TS_DST/zeros")" -le 16 ] || fail "$opts: zeros takes $(kib "$TS_DST/zeros") KiB" ;;
    esac
done

# Without -S every byte is written: the copy is as dense as the source.
run_both -ai -- "$SRC/" "$DST"
assert_same_result
[ "$(kib "$TS_DST/zeros")" -ge 2048 ] || fail "without -S the zero run became a hole (control)"

# A file system that cannot preallocate: one warning, the files written.
mkdir -p "$T/probe"
if TREESYNC_FAULTS='no_such_call@1=EIO' "$TREESYNC" -n -r "$T/probe/" "$T/probe-dst/" >/dev/null 2>"$T/probe.err" ||
    ! grep -q TREESYNC_FAULTS "$T/probe.err"; then
    skip "the EOPNOTSUPP check needs TREESYNC_FAULTS: $TREESYNC was built without -DTREESYNC_FAULT_INJECTION=ON (the checks before it passed)"
fi
rm -rf "$TS_DST"
TREESYNC_FAULTS='fallocate@*=EOPNOTSUPP' "$TREESYNC" -a --preallocate "$SRC/" "$TS_DST/" >"$T/out" 2>"$T/err" ||
    fail "--preallocate with EOPNOTSUPP: exit $?"
[ "$(grep -c 'cannot preallocate' "$T/err")" = 1 ] || { note_file "$T/err"; fail "--preallocate with EOPNOTSUPP: not one warning"; }
assert_same_tree "$RS_DST" "$TS_DST"
pass
