#!/bin/bash
# --confine-root asks each operator path's directory whether it lies below
# DIR by walking ".." up from it.  When that walk itself fails -- here
# EACCES: a directory an unprivileged user reaches but may not search --
# the path is still refused, but with its real error naming it, not as
# "resolves outside --confine-root" (which it does not).  Run as uid 65534
# (setpriv), so needs root.
. "$(dirname "$0")/lib.sh"
describe "--confine-root: an ancestor that cannot be walked (EACCES, as an unprivileged user) refuses the path with its real error, naming it (--log-file, --files-from, -T), never 'resolves outside'"

ts_is_rsync && skip "--confine-root's refusals are treesync's own"
[ "$(id -u)" = 0 ] || skip "needs root to run treesync as uid 65534"
command -v setpriv >/dev/null || skip "setpriv not found"

chmod 755 "$T"
R=$T/root
mkdir -p "$R/locked" "$R/dst" "$SRC"
echo a >"$SRC/a"
echo a >"$T/list"
cp "$TREESYNC" "$T/ts" && chmod 755 "$T/ts"
chmod -R a+rX "$SRC" "$R"
chmod 700 "$R/locked"		# root's: uid 65534 may not search it
chown 65534:65534 "$R/dst"
echo a >"$R/locked/list"
mkdir "$R/locked/tmp"

# as_nobody ARGS...: treesync as uid 65534; output in $T/n.{out,err,rc}.
as_nobody() {
    (cd "$T" && setpriv --reuid=65534 --regid=65534 --clear-groups -- \
        timeout -k 5 "$CMD_TIMEOUT" "$T/ts" "$@") \
        </dev/null >"$T/n.out" 2>"$T/n.err"
    echo $? >"$T/n.rc"
}

# said WHAT PATH RC: exit RC, stderr names PATH with EACCES's message and
# does not call it outside the root.
said() {
    local rc
    rc=$(cat "$T/n.rc")
    [ "$rc" = "$3" ] || fail "$1: exit $rc, want $3 ($(cat "$T/n.err"))"
    grep -F -- "$2" "$T/n.err" | grep -q 'Permission denied' ||
        fail "$1: no 'Permission denied' naming $2: $(cat "$T/n.err")"
    if grep -q 'resolves outside' "$T/n.err"; then
        fail "$1: said to resolve outside --confine-root: $(cat "$T/n.err")"
    fi
}

# A log file there: a warning, the run goes on (exit 0).
as_nobody -a --confine-root="$R" --log-file="$R/locked/log" "$SRC/" "$R/dst/"
said "--log-file" "$R/locked/log" 0
[ -f "$R/dst/a" ] || fail "--log-file: the run did not go on"

# A --files-from list there: exit 1, nothing copied.
rm -f "$R/dst/a"
as_nobody -a --confine-root="$R" --files-from="$R/locked/list" "$SRC/" "$R/dst/"
said "--files-from" "$R/locked/list" 1
[ -e "$R/dst/a" ] && fail "--files-from: copied in spite of the refusal"

# -T there: exit 1, nothing copied.
as_nobody -a --confine-root="$R" -T "$R/locked/tmp" "$SRC/" "$R/dst/"
said "-T" "$R/locked/tmp" 1
[ -e "$R/dst/a" ] && fail "-T: copied in spite of the refusal"

# Outside the root is still "outside" (the refusal is unchanged).
as_nobody -a --confine-root="$R" --log-file="$T/log" "$SRC/" "$R/dst/"
grep -q 'resolves outside' "$T/n.err" ||
    fail "a log outside the root: not refused as outside: $(cat "$T/n.err")"
pass
