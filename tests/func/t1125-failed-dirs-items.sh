#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "as an unprivileged user: an unreadable source directory missing in DEST is still made there with its mode and times and listed, as rsync does; a file that cannot be written is listed (its -i line) before its error; same -i lines, tree and exit 23 as rsync, also -n; a directory where a temp was made and removed gets its times again (fault injection)"
need_func
need_root
need_cmd setpriv

# Both tools run as nobody, through wrappers (the harness runs one word).
REAL_TREESYNC=$TREESYNC
as_nobody_tools
chmod 755 "$T"
# as_nobody OPTS... -- SRC DEST: fresh copies of $DST owned by nobody (but
# what ROOT_OWNED lists), then both tools.
ROOT_OWNED=()
as_nobody() {
    local p
    _reset_outputs
    chown -R nobody:nogroup "$SRC" "$RS_DST" "$TS_DST"
    for p in "${ROOT_OWNED[@]+"${ROOT_OWNED[@]}"}"; do
        chown root:root "$RS_DST/$p" "$TS_DST/$p"
    done
    _run_pair "$@"
}

# 1. Unreadable source directories p/bad and p/new, neither in DEST: made
# there, empty, with their modes and times.  (A counterpart DEST already
# has is left untouched -- rsync gives it the mode and times: README
# "Deliberate differences", reliability t3006.)
mkdir -p "$SRC/p/bad" "$SRC/p/new" "$DST/p"
printf 'g\n' >"$SRC/p/bad/g"; printf 'g\n' >"$SRC/p/new/g"
printf 'f\n' >"$SRC/p/f"
chmod 750 "$SRC/p/bad"; chmod 700 "$SRC/p/new"
stamp "$SRC"; stamp "$DST" 1400000000
chmod 000 "$SRC/p/bad" "$SRC/p/new"
for opts in "-ai" "-ai -n" "-rtpi" "-rlptgoDv"; do
    # shellcheck disable=SC2086
    as_nobody $opts -- "$SRC/" "$DST/"
    [ "$RS_RC" = 23 ] || { _show_run rsync; fail "scenario ($opts): rsync exit $RS_RC, want 23"; }
    case $opts in
        *i*) expect_line rsync "cd+++++++++ p/new/"
             expect_line rsync "cd+++++++++ p/bad/" ;;
    esac
    assert_same_result
done
# Again on what each made (p/new is d---------, nobody cannot open it):
# only the source's errors, exit 23.
run_both_again -ai -- "$SRC/" "$DST/"
assert_same_result
# No error of DEST's own there, so --ignore-errors still deletes the
# extraneous p/x (treesync only: rsync also deletes inside p/bad, README).
printf 'x\n' >"$TS_DST/p/x"; chown nobody:nogroup "$TS_DST/p/x"
run_ts -ai --delete --ignore-errors -- "$SRC/" "$DST/"
[ "$TS_RC" = 23 ] && [ ! -e "$TS_DST/p/x" ] && [ "$(wc -l <"$T/treesync.err")" = 2 ] ||
    fail "--ignore-errors again: exit $TS_RC (want 23), p/x $( [ -e "$TS_DST/p/x" ] && echo kept || echo deleted) (want deleted), stderr: $(cat "$T/treesync.err")"
chmod 755 "$SRC/p/bad" "$SRC/p/new"
rm -rf "$SRC" "$DST"

# 2. A new file in a DEST directory that nobody cannot write to (root's):
# rsync's sender lists it, then its receiver says why it failed.
mkdir -p "$SRC/rootdir" "$SRC/ok" "$DST/rootdir"
printf 'r\n' >"$SRC/rootdir/r"; printf 'o\n' >"$SRC/ok/o"
stamp "$SRC"; stamp "$DST" 1500000000
ROOT_OWNED=(rootdir)
for opts in "-ai" "-rti" "-rtv"; do
    # shellcheck disable=SC2086
    as_nobody $opts -- "$SRC/" "$DST/"
    [ "$RS_RC" = 23 ] || { _show_run rsync; fail "scenario ($opts): rsync exit $RS_RC, want 23"; }
    case $opts in
        *i*) expect_line rsync ">f+++++++++ rootdir/r" ;;
        *) expect_line rsync "rootdir/r" ;;
    esac
    assert_same_result
done
ROOT_OWNED=()
rm -rf "$SRC" "$DST"

# 3. Two operands, one/d unreadable and two/d readable: rsync lists
# two/d's entries all the same, into d, made or kept with one/d's listed
# mode and times (the first listed wins; not the counterpart left as it
# is of 1., README: something of d can be read).
mkdir -p "$SRC/one/d" "$SRC/two/d" "$SRC/two/e" "$DST"
printf 'a\n' >"$SRC/one/d/a"; printf 'b\n' >"$SRC/two/d/b"
printf 'c\n' >"$SRC/two/e/c"
chmod 750 "$SRC/one/d"
stamp "$SRC"
chmod 000 "$SRC/one/d"
for opts in "-ai" "-rtv"; do
    # shellcheck disable=SC2086
    as_nobody $opts -- "$SRC/one/" "$SRC/two/" "$DST/"
    [ "$RS_RC" = 23 ] && [ -f "$RS_DST/d/b" ] ||
        { _show_run rsync; fail "scenario 3 ($opts): rsync exit $RS_RC (want 23), d/b $( [ -f "$RS_DST/d/b" ] || echo not) copied"; }
    assert_same_result
done
mkdir -p "$DST/d"; chmod 755 "$DST/d"; touch -d @1500000000 "$DST/d"
as_nobody -ai -- "$SRC/one/" "$SRC/two/" "$DST/"
[ "$RS_RC" = 23 ] && [ -f "$RS_DST/d/b" ] ||
    { _show_run rsync; fail "scenario 3, d in DEST: rsync exit $RS_RC (want 23), d/b $( [ -f "$RS_DST/d/b" ] || echo not) copied"; }
assert_same_result
chmod 755 "$SRC/one/d"
rm -rf "$SRC" "$DST"

# 4. A write that fails after its temp was made (an injected rename
# failure, which rsync cannot be made to have): the directory the temp
# was made and removed in gets the source's times all the same.
TREESYNC=$REAL_TREESYNC
if ! TREESYNC_FAULTS='no_such_call@1=EIO' "$TREESYNC" -n -r "$T/bin/" "$T/probe/" >/dev/null 2>"$T/probe.err" &&
    grep -q TREESYNC_FAULTS "$T/probe.err"; then
    mkdir -p "$SRC/sub"; printf 'r\n' >"$SRC/sub/r"; printf 'q\n' >"$SRC/sub/q"
    stamp "$SRC"
    "$TREESYNC" -a "$SRC/" "$DST/" || fail "scenario: first copy failed"
    # sub's times stay as DEST has them: only the temp changes DEST's.
    was=$(stat -c %Y "$SRC/sub")
    printf 'rr\n' >>"$SRC/sub/r"; touch -d @1600000000 "$SRC/sub/r"; touch -d "@$was" "$SRC/sub"
    TREESYNC_FAULTS='renameat@*=EPERM' "$TREESYNC" -ai "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc = 23 ] || fail "injected rename failure: exit $rc, want 23 ($(cat "$T/err"))"
    grep -qx '>f.st...... sub/r' "$T/out" || fail "injected rename failure: no item line for sub/r: $(cat "$T/out")"
    [ "$(stat -c %Y "$DST/sub")" = "$was" ] ||
        fail "injected rename failure: $DST/sub has mtime $(stat -c %Y "$DST/sub"), want the source's $was"
else
    note "no fault injection in $TREESYNC: part 4 not run"
fi
pass
