#!/bin/bash
# --info and --debug as rsync parses them: --info=help and --debug=help
# print rsync's text exactly; unknown words exit 1; levels, "all", "none",
# upper case and over-large levels are taken; what the flags select:
# nonreg, skip (1 and 2: -u, --existing, --ignore-existing), del, stats.
. "$(dirname "$0")/lib.sh"
describe "--info=help/--debug=help equal rsync's; unknown flags exit 1; nonreg, skip, skip2, del, stats select rsync's lines"

# The help texts, byte for byte, and their exit codes.
for what in info debug; do
    "$RSYNC" --$what=help >"$T/rs.help" 2>&1; rs=$?
    "$TREESYNC" --$what=help >"$T/ts.help" 2>&1; ts=$?
    [ "$rs" = 0 ] || fail "harness: rsync --$what=help exit $rs"
    [ "$ts" = "$rs" ] || fail "--$what=help: exit $ts, rsync $rs"
    if ! diff -u --label rsync --label treesync "$T/rs.help" "$T/ts.help" >"$T/help.diff"; then
        note_file "$T/help.diff"; fail "--$what=help differs from rsync's"
    fi
    cp "$T/ts.help" "$T/ts.$what.help"
done
# help wins wherever it is in the list, and before a bad word after it.
"$TREESYNC" --info=name,help >"$T/ts.help2" 2>&1 || fail "--info=name,help: exit $?"
cmp -s "$T/ts.help2" "$T/ts.info.help" || { "$TREESYNC" --info=name,help | head -3; fail "--info=name,help is not the help"; }

make_mixed_tree "$SRC"

# Unknown words and forms rsync refuses: exit 1 and a message, DEST not made.
for bad in --info=bogus --info=name,bogus2 --debug=nope --info=2 --debug=flist,x; do
    run_both -a "$bad" -- "$SRC/" "$T/bad_dest"
    assert_rc rsync 1
    assert_same_output
    [ ! -e "$T/bad_dest" ] || fail "$bad: DEST was made"
done
# Words rsync takes: levels, all/none, case, levels above 4 (progress
# lines, with their rates, are t1122's).
mkdir -p "$DST"
for ok in --info=ALL,progress0 --info=all0 --info=NONE --info=name9,progress0 \
    --debug=all0,deltasum0 --debug=HLINK5 --info=,,name, --debug=none; do
    run_both -a "$ok" -- "$SRC/" "$DST"
    assert_same_result
done

# nonreg: -r skips the symlinks and the FIFO ("skipping non-regular file").
run_both -r -- "$SRC/" "$DST"
expect_line rsync 'skipping non-regular file "fifo"'
assert_same_result --no-mtime
run_both -r --info=nonreg0 -- "$SRC/" "$DST"
expect_no_output rsync
assert_same_result --no-mtime

# skip: what -u, --existing and --ignore-existing leave alone, and why.
make_qc_trees "$T/qs" "$T/qd"
SRC=$T/qs DST=$T/qd
for opts in "-u" "--existing" "--ignore-existing"; do
    for lvl in skip skip2; do
        # shellcheck disable=SC2086
        run_both -a --info=$lvl $opts -- "$SRC/" "$DST"
        assert_same_result
    done
done
run_both -a --info=skip -u -- "$SRC/" "$DST"
expect_line rsync 'dest_newer is newer'
run_both -a --info=skip --existing -- "$SRC/" "$DST"
expect_line rsync 'not creating new file "new_file"'
run_both -a --info=skip2 --ignore-existing -- "$SRC/" "$DST"
expect_line rsync 'mtime_only exists (file change)'
expect_line rsync 'identical exists (uptodate)'

# del: "deleting X" without -v; and without it even with -v... rsync's
# rule: with no output format the flag decides.
printf 'x\n' >"$DST/extra_del"
run_both -a --delete --info=del -- "$SRC/" "$DST"
expect_line rsync 'deleting extra_del'
assert_same_result
run_both -a --delete --info=del0 -- "$SRC/" "$DST"
expect_no_output rsync
assert_same_result

# stats: --info=stats2 is --stats, stats1 the trailer alone, and an
# explicit stats0 silences --stats (the lines rsync defines are compared).
stat_shape() {  # TAG: the names of the stats and trailer lines, in order
    sed -nE 's/^(Number of [a-z ]+files|Number of files|Total (transferred )?file size|Total bytes (sent|received)|Literal data|Matched data|File list (size|generation time|transfer time)|sent|total size is).*/\1/p' "$T/$1.out"
}
for opts in "--info=stats2" "--info=stats1" "--stats --info=stats0" "--info=stats0 --stats" "-v --info=stats0"; do
    # shellcheck disable=SC2086
    run_both -a $opts -- "$SRC/" "$DST"
    stat_shape rsync >"$T/rs.shape"; stat_shape treesync >"$T/ts.shape"
    diff -u --label rsync --label treesync "$T/rs.shape" "$T/ts.shape" >"$T/shape.diff" ||
        { note_file "$T/shape.diff"; fail "$opts: the stats lines differ from rsync's"; }
    [ "$RS_RC" = "$TS_RC" ] || fail "$opts: exit $TS_RC, rsync $RS_RC"
    assert_same_tree "$RS_DST" "$TS_DST"
done
pass
