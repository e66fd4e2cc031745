#!/bin/bash
# Nothing to send into a missing DEST named without a trailing slash:
# rsync 3.5.0 makes no DEST (its file list is empty), with or without -r,
# in a dry run too (no "created directory" line).  That is a --files-from
# list that is empty (or comments only), or whose names are all missing
# (exit 23, each said; exit 0 and silent with --ignore-missing-args), and
# operands that are all missing with --ignore-missing-args.  With DEST/
# it is made, as before; a list that sends "." or a name that exists
# makes it too.  --ignore-missing-args leaves a missing listed name out
# quietly also when others are sent (a name below a file, ENOTDIR, is
# still an error).
. "$(dirname "$0")/lib.sh"
describe "--files-from selecting nothing (empty list, names all missing, --ignore-missing-args) and all operands ignored: no DEST made without its trailing slash, as rsync (with and without -r, -n); DEST/ made; missing listed names quiet with --ignore-missing-args"
need_treesync

mkdir -p "$SRC/sub"
echo a >"$SRC/a"; echo b >"$SRC/sub/b"
stamp "$SRC"
: >"$T/empty"
printf '# only a comment\n\n' >"$T/comments"
printf 'nope\nsub/nope\nsub/b/x\n' >"$T/missing"
printf 'a\nnope\nsub/b\n' >"$T/some"

# both_absent WHAT: neither tool made DEST.
both_absent() {
    [ ! -e "$RS_DST" ] || fail "$1: rsync made DEST (the oracle changed?)"
    [ ! -e "$TS_DST" ] && [ ! -L "$TS_DST" ] || fail "$1: treesync made DEST"
}

for list in empty comments missing; do
    for opts in "-a" "-r" "-lt" "-an" "-a --ignore-missing-args" \
        "-an --ignore-missing-args"; do
        read -r -a o <<<"$opts"
        run_both -i "${o[@]}" --files-from="$T/$list" -- "$SRC" "$DST"
        assert_same_output
        both_absent "$list, $opts, DEST"
        if [ "$list" = missing ] && [ "$opts" = -a ]; then
            assert_rc rsync 23
            grep -q "cannot stat listed source 'sub/nope'" "$T/treesync.err" ||
                fail "missing names not said: $(cat "$T/treesync.err")"
        fi
        # DEST/: made, as before (and no sub/ for a missing sub/nope).
        run_both -i "${o[@]}" --files-from="$T/$list" -- "$SRC" "$DST/"
        assert_same_output
        case "$opts " in
            "-an "*) both_absent "$list, $opts, DEST/ (dry run)" ;;
            *) assert_same_tree "$RS_DST" "$TS_DST" --no-mtime-root ;;
        esac
    done
done

# Missing operands, all ignored.
for opts in "-a --ignore-missing-args" "-an --ignore-missing-args"; do
    read -r -a o <<<"$opts"
    run_both -i "${o[@]}" -- "$T/nope" "$T/nope2" "$DST"
    assert_same_output
    both_absent "operands, $opts"
done

# Something listed exists: DEST made as before; the missing name is an
# error, or with --ignore-missing-args nothing at all.
run_both -ai --files-from="$T/some" -- "$SRC" "$DST"
assert_rc rsync 23
assert_same_result --no-mtime-root
run_both -ai --ignore-missing-args --files-from="$T/some" -- "$SRC" "$DST"
assert_rc rsync 0
assert_same_result --no-mtime-root
[ ! -s "$T/treesync.err" ] || fail "--ignore-missing-args said: $(cat "$T/treesync.err")"

# An existing DEST is left as it is; a/x (below a file: ENOTDIR) is
# an error even with --ignore-missing-args, which ignores only what is
# missing.
mkdir -p "$DST"; echo k >"$DST/keep"; touch -d @1500000000 "$DST"
printf 'nope\na/x\n' >"$T/notdir"
run_both -ai --ignore-missing-args --files-from="$T/notdir" -- "$SRC" "$DST"
assert_rc rsync 23
assert_same_result
grep -q "cannot stat listed source 'a/x': Not a directory" "$T/treesync.err" ||
    fail "ENOTDIR not said: $(cat "$T/treesync.err")"
if grep -q "'nope'" "$T/treesync.err"; then
    fail "a missing name said: $(cat "$T/treesync.err")"
fi
pass
