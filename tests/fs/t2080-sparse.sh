#!/bin/bash
. "$(dirname "$0")/lib.sh"
needs_option --sparse
need_loop ext4 btrfs
describe "-S/--sparse keeps holes through every --copy-method (ext4 same fs, btrfs same fs, ext4->btrfs): identical content, no more blocks than the source"

E=$T/ext4
Bt=$T/btrfs
mk_loopfs ext4 256 "$E"
mk_loopfs btrfs 256 "$Bt"
mk_sparse() {   # mk_sparse FILE: 64 MiB, three 1 MiB data extents
    local off
    truncate -s $((64 << 20)) "$1"
    for off in 0 $((20 << 20)) $((63 << 20)); do
        head -c $((1 << 20)) /dev/urandom | dd of="$1" bs=1M seek=$((off >> 20)) conv=notrunc status=none
    done
}
for fs in "$E" "$Bt"; do mkdir -p "$fs/src"; mk_sparse "$fs/src/sp"; done
sync -f "$E"; sync -f "$Bt"

for pair in "$E:$E" "$Bt:$Bt" "$E:$Bt"; do
    s=${pair%%:*} d=${pair#*:}
    for m in auto copy_file_range sendfile readwrite; do
        [ "$s" != "$d" ] && [ "$m" = copy_file_range ] && continue
        rm -rf -- "$d/dst"
        ts_measure "$m" -a -S --stats --copy-method="$m" "$s/src/" "$d/dst/"
        [ "$TS_RC" -eq 0 ] || { ts_show "$m"; fail "$(basename "$s")->$(basename "$d") --copy-method=$m: exit $TS_RC"; }
        cmp -s "$s/src/sp" "$d/dst/sp" || fail "$(basename "$s")->$(basename "$d") $m: content differs"
        sync -f "$d"
        us=$(du -k "$s/src/sp" | cut -f1) ud=$(du -k "$d/dst/sp" | cut -f1)
        note "$(basename "$s")->$(basename "$d") $m: source uses $us KiB, copy $ud KiB"
        record sparse "$(basename "$s")->$(basename "$d")" "$m -S" "$(moved_by "$m")" $((64 << 20)) "$TS_SECS" "copy uses $ud KiB (source $us)"
        [ "$ud" -le $((us + 256)) ] || fail "$(basename "$s")->$(basename "$d") $m: holes filled ($ud KiB for a $us KiB source)"
    done
done
pass
