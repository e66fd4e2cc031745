# shellcheck shell=bash
# Scenario, sourced by a tNNNN script after lib.sh with FSTYPE=btrfs|xfs:
# within one reflink-capable file system, treesync -a must reflink.
need_loop "$FSTYPE"
command -v filefrag >/dev/null || skip "filefrag not installed (e2fsprogs)"
describe "within $FSTYPE: -a reflinks a 16 MiB file (FIEMAP shared), --stats counts every byte under copy_file_range; forced sendfile/readwrite copy without sharing"

M=$T/$FSTYPE
mk_loopfs "$FSTYPE" 128 "$M"
mkdir -p "$M/src/sub"
rand_file "$M/src/big" $((16 << 20))
rand_file "$M/src/one" 1
rand_file "$M/src/sub/five" 5000
rand_file "$M/src/sub/seventy" 70000
total=$(((16 << 20) + 1 + 5000 + 70000))

ts_measure auto -a --stats -vv "$M/src/" "$M/dst/"
[ "$TS_RC" -eq 0 ] || { ts_show auto; fail "treesync exited $TS_RC"; }
same_tree "$M/src" "$M/dst"
record reflink "$FSTYPE->$FSTYPE" auto "$(moved_by auto)" "$total" "$TS_SECS"
cfr=$(ts_bytes auto copy_file_range)
note "--stats: copy_file_range $cfr, sendfile $(ts_bytes auto sendfile), read/write $(ts_bytes auto read/write) of $total bytes"
[ "$cfr" -eq "$total" ] || { ts_show auto; fail "copy_file_range moved $cfr of $total bytes"; }
read -r n shared < <(extent_counts "$M/dst/big")
note "dst/big: $shared of $n extents shared"
[ "$n" -gt 0 ] && [ "$shared" -eq "$n" ] ||
    { filefrag -v "$M/dst/big" | sed 's/^/    /'; fail "dst/big is not reflinked ($shared of $n extents shared)"; }
read -r n shared < <(extent_counts "$M/src/big")
[ "$shared" -eq "$n" ] || fail "src/big is not shared after the copy ($shared of $n extents)"

# Negative controls: the same copy through sendfile and read/write shares
# nothing (and shows what a reflink saves).
for m in sendfile readwrite; do
    ts_measure "$m" -a --stats --copy-method="$m" "$M/src/" "$M/dst-$m/"
    [ "$TS_RC" -eq 0 ] || { ts_show "$m"; fail "--copy-method=$m exited $TS_RC"; }
    same_tree "$M/src" "$M/dst-$m"
    record reflink "$FSTYPE->$FSTYPE" "$m" "$(moved_by "$m")" "$total" "$TS_SECS"
    read -r n shared < <(extent_counts "$M/dst-$m/big")
    [ "$shared" -eq 0 ] || fail "--copy-method=$m produced shared extents ($shared of $n)"
    rm -rf -- "${M:?}/dst-$m"
done
pass
