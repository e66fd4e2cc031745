# shellcheck shell=bash
# Scenario, sourced by a tNNNN script after lib.sh with FSTYPE=ext4|btrfs:
# edge sizes and a > 2 GiB sparse file through every --copy-method.
need_loop "$FSTYPE"
describe "sizes 0, 1, 4095, 4096, 4097, 1 MiB+13 and a 2 GiB+4097 sparse file on $FSTYPE, through --copy-method=auto, copy_file_range, sendfile, readwrite: exit 0, identical content"

# The image must hold one filled-in copy of the big file: sendfile and
# read/write (and copy_file_range on ext4) write its holes as zeros.
M=$T/$FSTYPE
mk_loopfs "$FSTYPE" 3072 "$M"
mkdir -p "$M/src"
total=0
for n in 0 1 4095 4096 4097 $(((1 << 20) + 13)); do
    rand_file "$M/src/size-$n" "$n"
    total=$((total + n))
done
# Data straddles the 1 GiB copy chunk, the 2 GiB per-call limit of
# sendfile (0x7ffff000) and 2^31, and ends 4097 bytes past 2 GiB.
big=$M/src/sparse-2G
bigsize=$(((2 << 30) + 4097))
truncate -s "$bigsize" "$big"
for off in 0 $(((1 << 30) - 2048)) $((0x7ffff000 - 100)) $(((2 << 30) - 50)) $((bigsize - 1000)); do
    head -c 4096 /dev/urandom |
        dd of="$big" bs=4096 oflag=seek_bytes seek="$off" conv=notrunc status=none ||
        fail "cannot write into $big"
done
truncate -s "$bigsize" "$big"     # the last write must not extend it
total=$((total + bigsize))
sync -f "$M"

for m in auto copy_file_range sendfile readwrite; do
    rm -rf -- "${M:?}/dst"
    sync -f "$M"    # btrfs and ext4 reuse freed space only after a commit
    ts_measure "$m" -a --stats --copy-method="$m" "$M/src/" "$M/dst/"
    [ "$TS_RC" -eq 0 ] || { ts_show "$m"; fail "--copy-method=$m exited $TS_RC"; }
    t_copy=$TS_SECS
    same_tree "$M/src" "$M/dst"
    used=$(du -k "$M/dst/sparse-2G" | cut -f1)
    note "$m: moved by $(moved_by "$m"); the 2 GiB copy uses ${used} KiB"
    record sizes "$FSTYPE->$FSTYPE" "$m" "$(moved_by "$m")" "$total" "$t_copy" "2G sparse copy: ${used} KiB on disk"
    if [ "$m" != auto ]; then
        label=$m
        [ "$m" = readwrite ] && label=read/write
        got=$(ts_bytes "$m" "$label")
        [ "$got" -eq "$total" ] || { ts_show "$m"; fail "--copy-method=$m: --stats counts $got of $total bytes under $label"; }
    fi
done
no_temps "$M"
pass
