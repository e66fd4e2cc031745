#!/bin/bash
. "$(dirname "$0")/lib.sh"
need_loop ext4
describe "ENOSPC on a 16 MiB ext4: a sync that does not fit exits 11 through every --copy-method; the old destination file is intact, no temp file is left, the space comes back"

# The new version is a 20 MiB sparse file on the same file system (so that
# copy_file_range can run: ext4 splices it, holes filled), and a dense one
# on the root file system (sendfile across file systems).
D=$T/ext4
mk_loopfs ext4 16 "$D"
mkdir -p "$D/src" "$D/dst" "$T/src"
rand_file "$D/dst/victim" $((3 << 20))      # the old version
touch -d '2001-02-03 04:05:06.123456789' "$D/dst/victim"
cp -p "$D/dst/victim" "$T/victim.old"
truncate -s $((20 << 20)) "$D/src/victim"
head -c $((1 << 20)) /dev/urandom | dd of="$D/src/victim" conv=notrunc status=none
rand_file "$T/src/victim" $((20 << 20))
sync -f "$D"
free0=$(df -k --output=avail "$D" | tail -n1)
note "$free0 KiB free on the 16 MiB ext4"

for m in auto copy_file_range sendfile readwrite cross-fs; do
    if [ "$m" = cross-fs ]; then
        ts_measure "$m" -a --stats -vv "$T/src/" "$D/dst/"
    else
        ts_measure "$m" -a --stats -vv --copy-method="$m" "$D/src/" "$D/dst/"
    fi
    msg=$(grep -m1 -i 'space\|cannot' "$T/$m.err")
    note "$m: ${msg:-(no message)}"
    pair="ext4->same ext4 (16 MiB, full)"
    [ "$m" = cross-fs ] && pair="ext4 (root)->ext4 (16 MiB, full)"
    record enospc "$pair" "${m/cross-fs/auto}" "$(moved_by "$m")" $((20 << 20)) "$TS_SECS" "exit $TS_RC"
    [ "$TS_RC" -eq 11 ] || { ts_show "$m"; fail "--copy-method=$m: exit $TS_RC, want 11"; }
    cmp -s "$T/victim.old" "$D/dst/victim" || fail "--copy-method=$m: the old destination file was changed"
    [ "$(stat -c %y "$D/dst/victim")" = "$(stat -c %y "$T/victim.old")" ] ||
        fail "--copy-method=$m: the old destination file's mtime changed"
    no_temps "$D"
    [ -n "$msg" ] || { ts_show "$m"; fail "--copy-method=$m: no error message"; }
done
sync -f "$D"
free1=$(df -k --output=avail "$D" | tail -n1)
note "free space: ${free0} KiB before, ${free1} KiB after"
[ "$free1" -ge $((free0 - 64)) ] || fail "space was not given back: ${free0} KiB free before, ${free1} KiB after"
pass
