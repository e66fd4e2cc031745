# shellcheck shell=bash
# Scenario, sourced by a tNNNN script after lib.sh with SRCFS and DSTFS
# (btrfs, xfs, ext4 or tmpfs): across two file systems copy_file_range
# fails with EXDEV and sendfile moves the data, or read/write where the
# pair's first large copies measure it faster (src/copy_pair.c).
types=()
for t in "$SRCFS" "$DSTFS"; do [ "$t" = tmpfs ] || types+=("$t"); done
need_loop "${types[@]}"
describe "$SRCFS -> $DSTFS: copy_file_range gets EXDEV (-vv says so), sendfile (and read/write, measured against it) moves every byte, content identical"

mkfs_any() {    # mkfs_any TYPE MNT
    if [ "$1" = tmpfs ]; then mk_tmpfs 64 "$2"; else mk_loopfs "$1" 128 "$2"; fi
}
S=$T/src-$SRCFS
D=$T/dst-$DSTFS
mkfs_any "$SRCFS" "$S"
mkfs_any "$DSTFS" "$D"
mkdir -p "$S/src/sub"
rand_file "$S/src/big" $((16 << 20))
rand_file "$S/src/one" 1
rand_file "$S/src/sub/five" 5000
rand_file "$S/src/sub/seventy" 70000
total=$(((16 << 20) + 1 + 5000 + 70000))

ts_measure auto -a --stats -vv "$S/src/" "$D/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show auto; fail "treesync exited $TS_RC"; }
same_tree "$S/src" "$D/dst"
record exdev "$SRCFS->$DSTFS" auto "$(moved_by auto)" "$total" "$TS_SECS"
sf=$(ts_bytes auto sendfile)
cfr=$(ts_bytes auto copy_file_range)
rw=$(ts_bytes auto read/write)
note "--stats: copy_file_range $cfr, sendfile $sf, read/write $rw of $total bytes"
fb=$(grep -h 'fell back: copy_file_range:EXDEV' "$T/auto.out" "$T/auto.err" | head -n1)
note "-vv: ${fb:-(no fallback line)}"
[ $((sf + rw)) -eq "$total" ] && [ "$cfr" -eq 0 ] && [ "$sf" -gt 0 ] ||
    { ts_show auto; fail "expected all $total bytes under sendfile and read/write, some under sendfile"; }
[ -n "$fb" ] || { ts_show auto; fail "-vv did not report the copy_file_range EXDEV fallback"; }

# Forced copy_file_range cannot cross file systems: say what treesync does.
ts_measure forced -a --stats --copy-method=copy_file_range "$S/src/" "$D/dst-forced/"
msg=$(head -n1 "$T/forced.err")
note "forced copy_file_range: exit $TS_RC${msg:+: $msg}"
record exdev "$SRCFS->$DSTFS" copy_file_range "$(moved_by forced)" "$total" "$TS_SECS" "exit $TS_RC"
[ "$TS_RC" -ne 0 ] || fail "forced copy_file_range across file systems exited 0"
no_temps "$D"
pass
