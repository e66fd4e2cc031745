#!/bin/bash
# --progress and -P when stdout is not a terminal (cron): rsync's name
# lines, and after each copied file its final progress line
# "\r      SIZE 100%  RATE  H:MM:SS (xfr#N, to-chk=L/T)"; -i with --progress;
# --info=progress2 (one line for the run, ending with a newline); -q; -n.
# Rates and times differ by nature: compared are the lines' shape, the
# sizes and the xfr# numbers (README: treesync's rate and time are the
# run's, its count "ir-chk").
. "$(dirname "$0")/lib.sh"
describe "--progress/-P off a terminal: rsync's name lines and per-file 100% lines (sizes, xfr#), -i, progress2, -q, -n"

make_mixed_tree "$SRC"
mkdata "$SRC/fifty_k" 50000
stamp "$SRC"

# rsync's "%15s %3d%% %7.2f%s %4u:%02u:%02u (xfr#%d, %s-chk=%d/%d)".
final_re='^[ 0-9,]{15} 100% [ 0-9.]{4}[0-9.]{3}[kMG]B/s ( {3}[0-9]| {2}[0-9]{2}| [0-9]{3}|[0-9]{4}):[0-9]{2}:[0-9]{2} \(xfr#[0-9]+, (to|ir)-chk=[0-9]+/[0-9]+\)$'
# split TAG: the name lines (no \r) and the final progress segments.
split() {
    grep -av $'\r' "$T/$1.out" | grep -Ev '^(sending incremental|sent |total size|$)' | LC_ALL=C sort >"$T/$1.names"
    grep -a $'\r' "$T/$1.out" | sed 's/.*\r//' >"$T/$1.prog"
}
check_progress() {  # what
    local tag bad
    for tag in rsync treesync; do
        split "$tag"
        bad=$(grep -Evc -- "$final_re" "$T/$tag.prog")
        [ "$bad" = 0 ] || { note_file "$T/$tag.prog"; fail "$1: $tag: $bad progress line(s) not in rsync's shape"; }
        sed -E 's/^ +([0-9,]+) .*/\1/' "$T/$tag.prog" | LC_ALL=C sort >"$T/$tag.sizes"
        sed -E 's/.*xfr#([0-9]+),.*/\1/' "$T/$tag.prog" | sort -n >"$T/$tag.xfr"
    done
    diff -u --label rsync --label treesync "$T/rsync.names" "$T/treesync.names" >"$T/n.diff" ||
        { note_file "$T/n.diff"; fail "$1: the name lines differ"; }
    diff -u --label rsync --label treesync "$T/rsync.sizes" "$T/treesync.sizes" >"$T/s.diff" ||
        { note_file "$T/s.diff"; fail "$1: the sizes of the progress lines differ"; }
    diff -u --label rsync --label treesync "$T/rsync.xfr" "$T/treesync.xfr" >"$T/x.diff" ||
        { note_file "$T/x.diff"; fail "$1: the xfr# numbers differ"; }
    [ "$RS_RC" = "$TS_RC" ] || fail "$1: exit $TS_RC, rsync $RS_RC"
    assert_same_tree "$RS_DST" "$TS_DST"
}

mkdir -p "$DST"
run_both -a --progress -- "$SRC/" "$DST"
check_progress "--progress"
[ "$(wc -l <"$T/rsync.prog")" -ge 10 ] || fail "harness: rsync printed few progress lines"
grep -qx 'fifty_k' "$T/treesync.names" || fail "--progress: the file names are not printed"
run_both -a -P -- "$SRC/" "$DST"
check_progress "-P"
run_both -a -i --progress -- "$SRC/" "$DST"
check_progress "-i --progress"
grep -qx '>f+++++++++ fifty_k' "$T/treesync.names" || fail "-i --progress: no itemize line"

# A second run copies nothing: no progress line at all.
run_both_again -a --progress -- "$SRC/" "$DST"
check_progress "--progress, nothing to copy"
[ ! -s "$T/treesync.prog" ] || fail "progress lines when nothing was copied"

# -q silences it; -n copies nothing, so names only.
run_both -a -q --progress -- "$SRC/" "$DST"
assert_same_result
expect_no_output treesync
run_both -a -n --progress -- "$SRC/" "$DST"
check_progress "-n --progress"
[ ! -s "$T/treesync.prog" ] || fail "-n --progress printed progress lines"

# --info=progress2: no names, one line redrawn with \r for the whole run,
# ending with a newline; its last state counts every byte copied.
run_both -a --info=progress2 -- "$SRC/" "$DST"
for tag in rsync treesync; do
    grep -av $'\r' "$T/$tag.out" | grep -Ev '^$' >"$T/$tag.rest" || true
    [ ! -s "$T/$tag.rest" ] || { note_file "$T/$tag.rest"; fail "progress2: $tag printed other lines"; }
    [ "$(tail -c 1 "$T/$tag.out" | od -An -c | tr -d ' ')" = '\n' ] || fail "progress2: $tag's output does not end with a newline"
    last=$(tr '\r' '\n' <"$T/$tag.out" | grep -v '^$' | tail -n 1)
    echo "$last" | grep -qE '^ +[0-9,]+ +[0-9]+% .*\(xfr#[0-9]+, (to|ir)-chk=[0-9]+/[0-9]+\)$' ||
        fail "progress2: $tag's last state is not rsync's shape: $last"
    echo "$last" | sed -E 's/^ +([0-9,]+) .*xfr#([0-9]+),.*/\1 bytes, xfr#\2/' >"$T/$tag.p2"
done
cmp -s "$T/rsync.p2" "$T/treesync.p2" || fail "progress2: final bytes $(cat "$T/treesync.p2"), rsync $(cat "$T/rsync.p2")"
pass
