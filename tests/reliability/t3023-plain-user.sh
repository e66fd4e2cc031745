#!/bin/bash
# RT-23 A plain user copies what it can read (issue 16, items 9 and 10).
#
# As nobody (groups: nogroup only), treesync and rsync 3.5.0 each keep a
# DEST of their own from the same SRC, and the two DESTs must be equal
# (names, types, modes, owners, groups, sizes, content, times), with the
# same exit code, after each step:
#  1. -a of a tree whose files and directories belong to another group
#     (mail) -- -a implies -g, a group nobody is not in: every file is
#     copied with nobody's own group, exit 0, nothing on stderr (rsync
#     keeps the data and says nothing).  SRC holds a read-only subtree
#     (ro/ and ro/deep/ of mode 0555), copied as 0555.
#  2. -ai again: no line (a group that cannot be given is no change).
#  3. In SRC, ro/f grows and ro/new appears (ro/ stays 0555): -ai as
#     nobody into the 0555 directory: exit 0, both copied, ro/ still 0555
#     (rsync makes the directory writable for the run and puts its mode
#     back).
#  4. ro/deep/x removed from SRC: -ai --delete removes it from DEST's
#     0555 ro/deep/, exit 0, ro/deep/ still 0555.
#  5. An extraneous read-only subtree in DEST (old/ and old/inner/ of mode
#     0555, a file inside): -ai --delete removes all of it, exit 0.
# Before issue 16: step 1 copied no file ("cannot change owner", exit 23);
# step 3 failed with "Permission denied" (exit 23).
. "$(dirname "$0")/lib.sh"
cond "as nobody: -a of files of a foreign group, then updates and --delete inside 0555 directories: DEST == rsync's DEST, same exit codes, no stderr"
need_treesync
need_root
need_cmd rsync
need_cmd setpriv util-linux
build_helpers
setpriv --reuid=nobody --regid=nogroup --clear-groups "$TREESYNC" --version >/dev/null 2>&1 ||
    skip "nobody cannot run $TREESYNC (check the permissions of its path)"
getent group mail >/dev/null || skip "no group 'mail' to own the source"
chmod 755 "$T"

S=$T/src
mkdir -p "$S/docs/sub" "$S/ro/deep"
for f in docs/a docs/b docs/sub/c ro/f ro/deep/x ro/deep/y; do
    printf 'data of %s\n' "$f" >"$S/$f"
done
chown -R nobody:mail "$S"
chmod 0555 "$S/ro/deep" "$S/ro"
find "$S" -exec touch -h -d @1700000000 {} +
mkdir -p "$T/ts" "$T/rs"
chown nobody:nogroup "$T/ts" "$T/rs"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" </dev/null; }
# step N ARGS...: treesync and rsync with ARGS into their DESTs, as nobody.
step() {
    local n=$1
    shift
    as_nobody "$TREESYNC" "$@" "$S/" "$T/ts/" >"$T/ts.$n.out" 2>"$T/ts.$n.err"
    TSRC=$?
    as_nobody rsync "$@" "$S/" "$T/rs/" >"$T/rs.$n.out" 2>"$T/rs.$n.err"
    RSRC=$?
    [ "$TSRC" = "$RSRC" ] ||
        { check_fail "step $n ($*): exit $TSRC, rsync $RSRC"; note_file "$T/ts.$n.err" 4; }
    [ ! -s "$T/ts.$n.err" ] || { check_fail "step $n ($*): stderr not empty"; note_file "$T/ts.$n.err" 4; }
    same_tree "$T/rs" "$T/ts" || check_fail "step $n ($*): DEST differs from rsync's"
    sort "$T/ts.$n.out" >"$T/ts.$n.sorted"
    sort "$T/rs.$n.out" >"$T/rs.$n.sorted"
}
mode_of() { stat -c %a "$1"; }

# 1.
step 1 -a
[ "$(find "$T/ts" -type f | wc -l)" = 6 ] || check_fail "step 1: $(find "$T/ts" -type f | wc -l) of 6 files copied"
[ "$(find "$T/ts" ! -group nogroup | wc -l)" = 0 ] || check_fail "step 1: entries not of nobody's group"
[ "$(mode_of "$T/ts/ro")" = 555 ] || check_fail "step 1: ro/ is $(mode_of "$T/ts/ro"), not 555"

# 2.
step 2 -ai
[ ! -s "$T/ts.2.out" ] || { check_fail "step 2: an up-to-date rerun printed lines"; note_file "$T/ts.2.out" 4; }

# 3.
chmod 0755 "$S/ro"
printf 'more\n' >>"$S/ro/f"
printf 'new\n' >"$S/ro/new"
chown nobody:mail "$S/ro/new"
touch -d @1700000100 "$S/ro/f" "$S/ro/new"
chmod 0555 "$S/ro"
touch -d @1700000100 "$S/ro"
step 3 -ai
cmp -s "$S/ro/f" "$T/ts/ro/f" && cmp -s "$S/ro/new" "$T/ts/ro/new" ||
    check_fail "step 3: ro/f or ro/new not updated in the 0555 directory"
[ "$(mode_of "$T/ts/ro")" = 555 ] || check_fail "step 3: ro/ left $(mode_of "$T/ts/ro"), not 555"
diff -q "$T/ts.3.sorted" "$T/rs.3.sorted" >/dev/null ||
    { check_fail "step 3: -i lines differ from rsync's"; note_file "$T/ts.3.sorted" 4; note_file "$T/rs.3.sorted" 4; }

# 4.
chmod 0755 "$S/ro/deep"
rm "$S/ro/deep/x"
chmod 0555 "$S/ro/deep"
touch -d @1700000200 "$S/ro/deep"
step 4 -ai --delete
[ ! -e "$T/ts/ro/deep/x" ] || check_fail "step 4: ro/deep/x not deleted"
[ "$(mode_of "$T/ts/ro/deep")" = 555 ] || check_fail "step 4: ro/deep/ left $(mode_of "$T/ts/ro/deep"), not 555"
diff -q "$T/ts.4.sorted" "$T/rs.4.sorted" >/dev/null ||
    { check_fail "step 4: -i lines differ from rsync's"; note_file "$T/ts.4.sorted" 4; note_file "$T/rs.4.sorted" 4; }

# 5.
for d in ts rs; do
    as_nobody sh -c "mkdir -p '$T/$d/old/inner' && echo x >'$T/$d/old/inner/f' && chmod 0555 '$T/$d/old/inner' '$T/$d/old'"
done
step 5 -ai --delete
[ ! -e "$T/ts/old" ] || check_fail "step 5: the read-only extraneous old/ was not deleted"

result steps=5 files="$(find "$T/ts" -type f | wc -l)"
verdict "as nobody: foreign group copied with its own group, 0555 directories updated and pruned, DEST == rsync's"
