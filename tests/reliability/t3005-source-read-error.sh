#!/bin/bash
# RT-05 Source read error on a file (G1, G3, G4).
#
# (a) EIO in the middle of a 3 MiB source file: TREESYNC_FAULTS=pread@2=EIO
#     with --copy-method=readwrite (the first 1 MiB chunk is read, the
#     second read fails).  data.bin is the only file whose data is copied,
#     so the fault hits it and nothing else.
# (b) a source file that cannot be opened (mode 000, treesync run as
#     nobody: root bypasses permissions).
# Both with --delete and an extraneous file in DEST.
# Pass: exit 23; a message naming the file and the error; DEST's old copy
# unchanged; no temp left; the other changes (a new dir, a symlink, a mode
# change) still made; and, per DESIGN.md ("Any source I/O error means no
# deletion at all") and reliability.md G3, the extraneous file NOT deleted
# (rsync --delete-after also skips deletion here: "IO error encountered --
# skipping file deletion").
. "$(dirname "$0")/lib.sh"
cond "source EIO mid-file / unreadable file: exit 23, message names file, old DEST copy intact, 0 temps, others synced, no deletion (G3)"
need_root
need_cmd setpriv util-linux
need_treesync
build_helpers

need_fault_injection

setup() {
    rm -rf "$T/src" "$T/dst"
    mkdir -p "$T/src/d" "$T/dst"
    head -c $((3 << 20)) /dev/urandom >"$T/src/data.bin"
    echo keep >"$T/src/d/keep"
    echo mode >"$T/src/d/mode"
    chown -R nobody:nogroup "$T/src" "$T/dst"
    ts_nobody "$T/out" "$T/err" -a "$T/src/" "$T/dst/"
    [ "$RC" = 0 ] || { note_file "$T/err"; fail "initial sync: exit $RC"; }
    head -c $((3 << 20)) /dev/urandom >"$T/src/data.bin"     # new content
    touch -d '2022-02-02 00:00:00' "$T/src/data.bin"
    mkdir "$T/src/newdir"
    ln -s d/keep "$T/src/newlink"
    chmod 600 "$T/src/d/mode"
    echo extra >"$T/dst/extraneous"
    chown -R nobody:nogroup "$T/src" "$T/dst"
    chown -h nobody:nogroup "$T/src/newlink"
    cp "$T/dst/data.bin" "$T/old.bin"
}

checks() {   # checks CASE
    local what=$1
    [ "$RC" = 23 ] || check_fail "$what: exit $RC, expected 23"
    grep -q 'data\.bin' "$T/err" || check_fail "$what: no message names data.bin"
    note "$what: stderr: $(head -c 300 "$T/err" | tr '\n' '|')"
    cmp -s "$T/old.bin" "$T/dst/data.bin" || check_fail "$what: DEST/data.bin is not the old copy"
    [ "$(count_temps "$T/dst")" = 0 ] || check_fail "$what: temp left: $(list_temps "$T/dst" 2)"
    [ -d "$T/dst/newdir" ] && [ -L "$T/dst/newlink" ] && [ "$(stat -c %a "$T/dst/d/mode")" = 600 ] ||
        check_fail "$what: the other changes were not made"
    if [ -e "$T/dst/extraneous" ]; then
        DELETED_NO=$((DELETED_NO + 1))
    else
        check_fail "$what: extraneous file deleted after a source read error (DESIGN.md: any source I/O error means no deletion)"
    fi
}
DELETED_NO=0

# (a) EIO mid-file
setup
TREESYNC_FAULTS='pread@2=EIO' ts_nobody "$T/out" "$T/err" -a --delete --copy-method=readwrite "$T/src/" "$T/dst/"
grep -q 'Input/output error' "$T/err" || check_fail "EIO mid-file: message lacks the errno text"
checks "EIO mid-file"
rc_a=$RC

# (b) unreadable file
setup
chmod 000 "$T/src/data.bin"
ts_nobody "$T/out" "$T/err" -a --delete "$T/src/" "$T/dst/"
grep -q 'Permission denied' "$T/err" || check_fail "unreadable file: message lacks the errno text"
checks "unreadable file"
rc_b=$RC

result exit_eio="$rc_a" exit_eacces="$rc_b" deletion_suppressed="$DELETED_NO/2"
verdict "exit 23 for both, old copy intact, no temps, deletion suppressed"
