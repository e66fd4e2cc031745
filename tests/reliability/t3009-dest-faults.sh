#!/bin/bash
# RT-09 Destination ENOSPC / EIO / deferred errors (G1, G3, G4).
#
# (a) A real ENOSPC: DEST on a 16 MiB ext4 loop file system holding an
#     old 6 MiB `big`; the source `big` is 12 MiB (cannot fit).  Copy
#     methods auto and readwrite.
# (b) Injected faults (TREESYNC_FAULTS, the engine's syscall seam): write
#     ENOSPC/EIO/no-progress, close EIO/ENOSPC (NFS reports at close),
#     fsync EIO/ENOSPC (--fsync), rename EIO, forced copy_file_range and
#     sendfile EIO/ENOSPC.  `f` is the only file whose data is copied.
# Every case runs with --delete and extraneous entries in DEST.
# Pass: the old file intact (byte-identical), no temp left (and on the
# loop fs the used space back to the baseline), no deletion (the
# extraneous entries survive: reliability.md RT-09 "no deletion phase
# executed"), exit 11 for ENOSPC/EDQUOT and EIO on write/close/fsync, 23
# otherwise, and a message naming the file and the error.
# Controls that must succeed (exit 0, new content): short writes, a
# copy_file_range EXDEV fallback.
. "$(dirname "$0")/lib.sh"
cond "ENOSPC (16 MiB ext4) and injected write/close/fsync/rename errors: old file intact, 0 temps, 0 deletions, exit 11 (ENOSPC, EIO on write/close/fsync) or 23, message names file"
need_treesync
build_helpers

need_fault_injection

cases=0 ok=0 bad_exit=0 old_lost=0 temps=0 deleted=0 no_msg=0

# one_case NAME DST EXPECT_RC ERRTEXT FILE OLDCOPY: checks after a run.
judge() {
    local name=$1 dst=$2 want=$3 errtext=$4 file=$5 old=$6 bad=0
    cases=$((cases + 1))
    if [ "$RC" != "$want" ]; then
        bad_exit=$((bad_exit + 1)); bad=1; note "$name: exit $RC, expected $want"
    fi
    if ! cmp -s "$old" "$dst/$file"; then
        old_lost=$((old_lost + 1)); bad=1; note "$name: DEST/$file is not the old copy"
    fi
    local n
    n=$(count_temps "$dst")
    if [ "$n" != 0 ]; then
        temps=$((temps + n)); bad=1; note "$name: $n temp(s) left: $(list_temps "$dst" 2 | tr '\n' ' ')"
    fi
    if [ ! -e "$dst/extraneous" ] || [ ! -e "$dst/sub/extra2" ]; then
        deleted=$((deleted + 1)); bad=1; note "$name: extraneous entries were deleted despite the error"
    fi
    if ! grep -q "$file" "$T/err" || ! grep -q "$errtext" "$T/err"; then
        no_msg=$((no_msg + 1)); bad=1; note "$name: message does not name '$file' and '$errtext'"
    fi
    [ "$bad" = 1 ] && note_file "$T/err" 4
    [ "$bad" = 0 ] && ok=$((ok + 1))
}

# ------------------------------------------------------------ (a) ENOSPC
enospc_done=0
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null; then
    truncate -s 16M "$T/img"
    mkfs.ext4 -q -F "$T/img" >/dev/null 2>&1
    mkdir "$T/mnt"
    if mount -o loop "$T/img" "$T/mnt" 2>"$T/mount.err"; then
        add_mount "$T/mnt"
        for m in auto readwrite; do
            rm -rf "$T/src" "$T/mnt/dst"
            mkdir -p "$T/src/sub" "$T/mnt/dst/sub"
            head -c $((6 << 20)) /dev/urandom >"$T/mnt/dst/big"
            for i in 1 2 3; do echo "small $i" >"$T/src/small$i"; done
            cp -a "$T/src/small"* "$T/mnt/dst/"
            touch -r "$T/src/sub" "$T/mnt/dst/sub"
            echo e >"$T/mnt/dst/extraneous"
            echo e >"$T/mnt/dst/sub/extra2"
            head -c $((12 << 20)) /dev/urandom >"$T/src/big"
            cp "$T/mnt/dst/big" "$T/old"
            sync -f "$T/mnt"
            used0=$(df --output=used -B1 "$T/mnt" | tail -n1)
            ts "$T/out" "$T/err" -a --delete --copy-method=$m "$T/src/" "$T/mnt/dst/"
            judge "ENOSPC loop ext4 ($m)" "$T/mnt/dst" 11 "No space left on device" big "$T/old"
            sync -f "$T/mnt"
            used1=$(df --output=used -B1 "$T/mnt" | tail -n1)
            if [ $((used1 - used0)) -gt $((256 << 10)) ]; then
                note "ENOSPC ($m): used space grew by $((used1 - used0)) bytes (leaked temp blocks?)"
                temps=$((temps + 1))
            fi
            enospc_done=$((enospc_done + 1))
        done
    else
        note "cannot mount a loop ext4: $(cat "$T/mount.err") -- real ENOSPC case not run"
    fi
else
    note "not root or no mkfs.ext4: real ENOSPC case not run"
fi

# ------------------------------------------------------------ (b) injected
mkdir -p "$T/fsrc/sub" "$T/base/sub"
head -c $((3 << 20)) /dev/urandom >"$T/fsrc/f"
echo same >"$T/fsrc/same"
cp -a "$T/fsrc/same" "$T/base/same"
echo "old content of f" >"$T/base/f"
echo e >"$T/base/extraneous"
echo e >"$T/base/sub/extra2"
touch -r "$T/fsrc/sub" "$T/base/sub"
cp "$T/base/f" "$T/fold"

# spec | copy method | extra option | expected exit | error text
while IFS='|' read -r spec m opt want text; do
    [ -n "$spec" ] || continue
    rm -rf "$T/fdst"
    cp -a "$T/base" "$T/fdst"
    args=(-a --delete --copy-method="$m")
    [ -n "$opt" ] && args+=("$opt")
    TREESYNC_FAULTS=$spec ts "$T/out" "$T/err" "${args[@]}" "$T/fsrc/" "$T/fdst/"
    judge "$spec ($m${opt:+ $opt})" "$T/fdst" "$want" "$text" f "$T/fold"
done <<'EOF'
pwrite@2=ENOSPC|readwrite||11|No space left on device
pwrite@2=EDQUOT|readwrite||11|quota
pwrite@2=EIO|readwrite||11|Input/output error
pwrite@1=zero|readwrite||11|Input/output error
close@1=EIO|auto||11|Input/output error
close@1=ENOSPC|auto||11|No space left on device
fsync@1=EIO|auto|--fsync|11|Input/output error
fsync@1=ENOSPC|auto|--fsync|11|No space left on device
copy_file_range@1=ENOSPC|copy_file_range||11|No space left on device
sendfile@1=ENOSPC|sendfile||11|No space left on device
renameat@1=EIO|auto||23|Input/output error
copy_file_range@1=EIO|copy_file_range||23|Input/output error
sendfile@1=EIO|sendfile||23|Input/output error
EOF

# Controls: faults the chain must absorb.
ctl_bad=0
for spec in 'pwrite@*=short' 'copy_file_range@1=EXDEV' 'copy_file_range@1=zero'; do
    m=auto
    [ "$spec" = 'pwrite@*=short' ] && m=readwrite
    rm -rf "$T/fdst"
    cp -a "$T/base" "$T/fdst"
    TREESYNC_FAULTS=$spec ts "$T/out" "$T/err" -a --copy-method=$m "$T/fsrc/" "$T/fdst/"
    if [ "$RC" != 0 ] || ! cmp -s "$T/fsrc/f" "$T/fdst/f"; then
        ctl_bad=$((ctl_bad + 1)); note "control $spec: exit $RC or wrong content"; note_file "$T/err" 3
    fi
done

result cases="$cases" ok="$ok" enospc_loop_cases="$enospc_done" bad_exit="$bad_exit" old_lost="$old_lost" \
    temps_left="$temps" deletion_ran="$deleted" no_message="$no_msg" controls_bad="$ctl_bad"
[ "$old_lost" = 0 ] || check_fail "$old_lost case(s) lost the old file"
[ "$temps" = 0 ] || check_fail "$temps temp(s)/leaked blocks left"
[ "$bad_exit" = 0 ] || check_fail "$bad_exit case(s) with a wrong exit code"
[ "$deleted" = 0 ] || check_fail "$deleted case(s) ran deletions after a destination error"
[ "$no_msg" = 0 ] || check_fail "$no_msg case(s) without a message naming the file and error"
[ "$ctl_bad" = 0 ] || check_fail "$ctl_bad control(s) failed"
[ "$enospc_done" -gt 0 ] || note "(the real-ENOSPC case could not run here)"
verdict "$cases cases: old files intact, no temps, no deletions, right exit codes"
