#!/bin/bash
# Option names and argument forms as rsync (popt) takes them: exact long
# names only, rsync's --no-X forms with rsync's meaning, --opt=V and
# --opt V, bundled short options, options after operands, "--".  rsync
# 3.5.0 is the spec: same exit code, same output, same tree; a refused
# option creates nothing and names the word.
. "$(dirname "$0")/lib.sh"
describe "option names are exact, as rsync's: prefixes refused, --no-X forms and argument forms as rsync"

make_small_tree "$SRC"
ln "$SRC/one" "$SRC/one.hard"	# for -H
stamp "$SRC"

# refused WORD MESSAGE OPT...: rsync and treesync both exit 1 with nothing
# on stdout; treesync creates nothing and says "WORD: MESSAGE", as rsync
# does ("rsync: --dry: unknown option").
refused() {
    local word=$1 msg=$2
    shift 2
    run_both "$@" -- "$SRC/" "$DST"
    [ "$RS_RC" = 1 ] || fail "harness: rsync $* exited $RS_RC, expected 1"
    grep -qF -- ": $word: $msg" "$T/rsync.err" ||
        fail "harness: rsync $* did not say '$word: $msg'"
    assert_same_output
    [ ! -e "$TS_DST" ] || fail "treesync $*: created DEST"
    grep -qF -- ": $word: $msg" "$T/treesync.err" ||
        { _show_run treesync; fail "treesync $*: no '$word: $msg' on stderr"; }
}

# 1. Prefixes of long options are unknown options (getopt_long took them:
# --no-xa was --no-xattrs, --delete-e --delete-excluded, --dry --dry-run).
for p in --dry --dry-ru --delete-e --no-xa --no-ha --verb --arch --recurs \
    --ex --no-perm --itemize --one-file --no-dry-run --no-stats ---dry-run --=x; do
    refused "$p" "unknown option" -a "$p"
done
refused -avY "unknown option" -avY
refused -a-v "unknown option" -a-v

# 2. An argument given to an option that takes none.
refused --dry-run=1 "option does not take an argument" -a --dry-run=1
refused --dry-run= "option does not take an argument" -a --dry-run=
refused -a=x "option does not take an argument" -a=x
refused --no-D=1 "option does not take an argument" -a --no-D=1

# 3. A missing argument at the end of the line.
for o in --exclude -@ -avf; do
    run_both -- "$SRC/" "$DST" "$o"
    [ "$RS_RC" = 1 ] || fail "harness: rsync ... $o exited $RS_RC, expected 1"
    assert_same_output
    [ ! -e "$TS_DST" ] || fail "treesync ... $o: created DEST"
    grep -qF -- ": $o: missing argument" "$T/treesync.err" ||
        { _show_run treesync; fail "treesync ... $o: no 'missing argument'"; }
done

# 4. Every --no form rsync has for an option treesync takes: accepted, and
# with rsync's result after -a (and the option itself, where -a lacks it).
for no in --no-verbose --no-v --no-itemize-changes --no-i --no-progress \
    --no-human-readable --no-h --no-recursive --no-r --no-dirs --no-d \
    --no-from0 --no-links --no-l --no-hard-links --no-H --no-perms --no-p \
    --no-times --no-t --no-omit-dir-times --no-O --no-omit-link-times \
    --no-J --no-numeric-ids --no-group --no-g --no-acls --no-A \
    --no-xattrs --no-X --no-owner --no-o --no-D --no-devices --no-specials \
    --no-checksum --no-c --no-force --no-ignore-errors \
    --no-one-file-system --no-x --no-whole-file --no-W --no-sparse --no-S; do
    run_both -a "$no" -- "$SRC/" "$DST"
    assert_same_output
    [ "$TS_RC" = 0 ] || fail "$no: exit $TS_RC"
done
# Their meaning is rsync's: --no-h is --no-human-readable and --no-x
# --no-one-file-system; neither turns off -H or -X (getopt made them
# prefixes of --no-hard-links and --no-xattrs).
run_both -aH --no-h -- "$SRC/" "$DST"
assert_same_result --no-mtime-root
[ "$(stat -c %h "$TS_DST/one")" = 2 ] || fail "-aH --no-h: the hard link was not kept"
run_both -aH -x --no-x -- "$SRC/" "$DST"
assert_same_result --no-mtime-root
run_both -a --no-t -t -- "$SRC/" "$DST"
assert_same_result --no-mtime-root

# 5. Argument forms: --opt=V, --opt V, -xV, -x=V, -x V, a bundle ending in
# an option with an argument, and an argument that starts with '-'.
mkdir -p "$DST"
printf 'one\n' >"$DST/one"
touch -d @$(($(stat -c %Y "$SRC/one") + 1)) "$DST/one"	# --modify-window=1 skips it
run_both -ai -- "$SRC/" "$DST"
expect_line rsync '>f..t...... one'
for form in "--modify-window=1" "--modify-window 1" "-@1" "-@=1" "-@ 1" "-t@1"; do
    # shellcheck disable=SC2086  # the form is split on purpose
    run_both -ai $form -- "$SRC/" "$DST"
    assert_same_result --no-mtime-root
    grep -q '^>f[^ ]* one$' "$T/rsync.out" && fail "harness: rsync $form still copied 'one'"
done
run_both -ai --modify-window -1 -- "$SRC/" "$DST"	# the next word, "-1"
assert_same_result --no-mtime-root
rm -rf "$DST"
run_both -ai --exclude -x -- "$SRC/" "$DST"		# pattern "-x"
assert_same_result --no-mtime-root
run_both -ai --exclude sub -- "$SRC/" "$DST"
assert_same_result --no-mtime-root
run_both -ai --exclude=sub -f '- other' -- "$SRC/" "$DST"
assert_same_result --no-mtime-root
run_both -ai -f- -- "$SRC/" "$DST"			# rule "-": both refuse
assert_same_output

# 6. Bundled short options, and options after the operands.
run_both -avn -- "$SRC/" "$DST"
assert_same_result
[ ! -e "$TS_DST" ] || fail "-avn: -n not taken from the bundle"
run_both -- "$SRC/" "$DST" -a -i -n
assert_same_result
[ ! -e "$TS_DST" ] || fail "'SRC DST -a -i -n': -n after the operands not taken"
run_both -- "$SRC/" "$DST" -ai
assert_same_result --no-mtime-root

# 7. "--" ends the options: a source named "-src" after it.  Without it,
# "-src/" is a bundle of options and both refuse it.
mkdir -p "$T/-src"
printf 'dash\n' >"$T/-src/f"
stamp "$T/-src"
run_both -ai -- -- -src/ "$DST"
assert_same_result --no-mtime-root
run_both -ai -- -src/ "$DST"
[ "$RS_RC" = 1 ] || fail "harness: rsync -src/ exited $RS_RC"
assert_same_output

# 8. -j, treesync's own (rsync has none): -j4, -j 4, -j=4, --jobs=4, in a
# bundle; the tree is rsync's without it.
for form in "-j4" "-j 4" "-j=4" "--jobs=4" "--jobs 4" "-aj4"; do
    read -ra TS_ONLY_OPTS <<<"$form"
    run_both -ai -- "$SRC/" "$DST"
    assert_same_result --no-mtime-root
done
TS_ONLY_OPTS=()
pass
