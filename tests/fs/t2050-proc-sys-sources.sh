#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "single-file SRC from /proc and /sys (st_size 0 or 4096, content shorter): the copy holds the real content, not empty, not zero-padded"

# Pseudo files lie about their size: procfs says 0, sysfs 4096.  On 6.18
# copy_file_range gives EXDEV on them; sendfile works for some only.
[ -r /proc/self/status ] || skip "no /proc"
sysattr=
for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/class/net/lo/address \
    /sys/kernel/uevent_helper /sys/power/state; do
    if [ -r "$f" ] && [ -n "$(cat "$f" 2>/dev/null)" ]; then sysattr=$f; break; fi
done
[ -n "$sysattr" ] || skip "no small readable sysfs attribute found"
note "sysfs attribute: $sysattr ($(stat -c %s "$sysattr") bytes by stat, $(wc -c <"$sysattr") by read)"

D=$T/dst
mkdir -p "$D"
# Stable pseudo files: the copy must equal what cat reads.
i=0
for src in /proc/version /proc/sys/kernel/ostype "$sysattr"; do
    i=$((i + 1))
    cat "$src" >"$T/expect.$i"
    for m in auto sendfile readwrite; do
        ts_measure "p$i-$m" --stats -vv --copy-method="$m" "$src" "$D/p$i-$m"
        [ "$TS_RC" -eq 0 ] || { ts_show "p$i-$m"; fail "$src --copy-method=$m: exit $TS_RC"; }
        cmp -s "$T/expect.$i" "$D/p$i-$m" || {
            note "expected:"; od -c "$T/expect.$i" | head -5 | sed 's/^/    /'
            note "got:"; od -c "$D/p$i-$m" | head -5 | sed 's/^/    /'
            fail "$src --copy-method=$m: the copy differs from the file's content"
        }
        fb=$(grep -h 'fell back' "$T/p$i-$m.out" "$T/p$i-$m.err" | head -n1)
        note "$src ($m): $(wc -c <"$D/p$i-$m") bytes, moved by $(moved_by "p$i-$m")${fb:+; $fb}"
        record proc-sys "$(echo "$src" | cut -d/ -f2)->ext4" "$m" "$(moved_by "p$i-$m")" "$(wc -c <"$D/p$i-$m")" "$TS_SECS" "$src"
    done
done

# /proc/self/status is treesync's own: check its shape.
for m in auto sendfile readwrite; do
    ts_measure "status-$m" --stats -vv --copy-method="$m" /proc/self/status "$D/status-$m"
    [ "$TS_RC" -eq 0 ] || { ts_show "status-$m"; fail "/proc/self/status --copy-method=$m: exit $TS_RC"; }
    f=$D/status-$m
    size=$(wc -c <"$f")
    nuls=$(tr -dc '\000' <"$f" | wc -c)
    note "/proc/self/status ($m): $size bytes, moved by $(moved_by "status-$m")"
    record proc-sys "proc->ext4" "$m" "$(moved_by "status-$m")" "$size" "$TS_SECS" /proc/self/status
    [ "$size" -gt 200 ] || fail "/proc/self/status ($m): only $size bytes"
    [ "$nuls" -eq 0 ] || fail "/proc/self/status ($m): $nuls NUL bytes (zero padding)"
    head -n1 "$f" | grep -q '^Name:' && grep -q '^Pid:' "$f" && grep -q '^VmPeak:\|^Threads:' "$f" ||
        { note_file "$f" 5; fail "/proc/self/status ($m): not a status file"; }
done
no_temps "$D"
pass
