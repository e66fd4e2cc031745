#!/bin/bash
# Operands that rsync takes as remote (HOST:PATH, HOST::MOD, rsync://...,
# as SRC or DEST) are refused: exit 1, nothing created, a message.  rsync
# would connect; here a fake remote shell (-e) stands in for ssh, so that
# rsync's own rule (check_for_hostspec) decides, offline, which operands
# are remote: rsync must run the fake shell for each case, and treesync
# must refuse exactly those.  Names with a colon that rsync takes as local
# ("./host:x", "a[1]:b") are copied by both, to the same tree.
. "$(dirname "$0")/lib.sh"
describe "remote operands (HOST:PATH, HOST::MOD, rsync://) are refused with exit 1, touching nothing"
ts_is_rsync && skip "rsync would connect to the remote operands (the refusal is treesync's)"

make_small_tree "$SRC"
W=$T/work	# the directory both tools run in: must stay empty
mkdir -p "$W"
printf '#!/bin/sh\necho "$*" >>"%s"\nexit 1\n' "$T/rsh.log" >"$T/fake-rsh"
chmod +x "$T/fake-rsh"

# rsync_is_remote ARGS...: rsync, run in $W with the fake shell, ran it
# (so it took an operand as remote).  Nothing may be left in $W.
rsync_is_remote() {
    : >"$T/rsh.log"
    (cd "$W" && timeout -k 5 "$CMD_TIMEOUT" "$RSYNC" -a -e "$T/fake-rsh" "$@") \
        </dev/null >/dev/null 2>&1
    [ -s "$T/rsh.log" ]
}

# refused ARGS...: treesync, run in $W, exits 1, says why, creates nothing.
refused() {
    local rc
    (cd "$W" && timeout -k 5 "$CMD_TIMEOUT" "$TREESYNC" -a "$@") \
        </dev/null >"$T/ts.out" 2>"$T/ts.err"
    rc=$?
    [ "$rc" = 1 ] || { note_file "$T/ts.err"; fail "treesync -a $*: exit $rc, expected 1"; }
    [ -s "$T/ts.err" ] || fail "treesync -a $*: nothing on stderr"
    grep -q "remote" "$T/ts.err" || { note_file "$T/ts.err"; fail "treesync -a $*: the message does not say 'remote'"; }
    [ -z "$(ls -A "$W")" ] || fail "treesync -a $*: created $(ls -A "$W" | head -3 | tr '\n' ' ')"
}

for op in host:mirror host:mirror/ host: user@host:dir host::mod host::mod/sub \
    rsync://host/mod rsync://host:873/mod RSYNC://host/mod '[::1]:x' :x 'c:\x'; do
    # As DEST.
    rsync_is_remote "$SRC/" "$op" || fail "harness: rsync took DEST '$op' as local"
    [ -z "$(ls -A "$W")" ] || fail "harness: rsync created something for '$op'"
    refused "$SRC/" "$op"
    # As SRC (DEST local, and must not be created).
    rsync_is_remote "$op" dst || fail "harness: rsync took SRC '$op' as local"
    rm -rf "${W:?}"/*
    refused "$op" dst
    # As one of several sources (rsync: "Unexpected remote arg", exit 1).
    refused "$SRC/" "$op" dst
done
# The --files-from list, too (rsync: "--files-from cannot be remote when
# the transfer is local", exit 1).
printf 'one\n' >"$T/list"
(cd "$W" && "$RSYNC" -a --files-from=host:list "$SRC/" dst) </dev/null >/dev/null 2>&1
[ $? = 1 ] || fail "harness: rsync --files-from=host:list did not exit 1"
rm -rf "${W:?}"/*
refused --files-from=host:list "$SRC/" dst

# Local names with a colon: both copy, the same way, each run in a
# directory of its own with the name as given.  (rsync's rule: a slash
# before the colon, or a '[' that does not open "[IPv6]" at the start of
# the host part.)
for name in ./host:x 'a[1]:b' '[x]y:z' '[]:w' sub/c:d; do
    rsync_is_remote "$SRC/" "$name" && fail "harness: rsync took '$name' as remote"
    for tool in rsync treesync; do
        bin=$RSYNC
        [ $tool = treesync ] && bin=$TREESYNC
        rm -rf "${T:?}/in.$tool"
        mkdir -p "$T/in.$tool/sub"
        (cd "$T/in.$tool" && timeout -k 5 "$CMD_TIMEOUT" "$bin" -a "$SRC/" "$name") \
            </dev/null >"$T/$tool.out" 2>"$T/$tool.err"
        echo $? >"$T/$tool.rc"
    done
    [ "$(cat "$T/rsync.rc")" = 0 ] || fail "harness: rsync into '$name' exited $(cat "$T/rsync.rc")"
    [ "$(cat "$T/treesync.rc")" = 0 ] || { note_file "$T/treesync.err"; fail "treesync into '$name' exited $(cat "$T/treesync.rc")"; }
    [ -d "$T/in.treesync/$name" ] || fail "treesync did not create '$name'"
    assert_same_tree "$T/in.rsync" "$T/in.treesync" --no-mtime-root --no-mtime-dirs
done
# A source named "host:x" given as "./host:x".
mkdir -p "$T/host:src"
printf 'h\n' >"$T/host:src/f"
stamp "$T/host:src"
run_both -ai -- ./host:src/ "$DST"
assert_same_result --no-mtime-root
pass
