#!/bin/bash
# tests/ops/mutants.sh -- shows that each test of tests/ops can fail.
#
# Each line below runs one test against a broken variant of what it checks
# (a man page or completion file with an option removed or a stale one
# added, a schema missing a member, a treesync wrapper that drops --lock,
# --check, -q, --log-file or --progress, forges the JSON, or dies on a
# signal without cleaning up) and expects the test to FAIL.  Prints
# "caught"/"MISSED" per mutant and exits 1 if any was missed.  Not part
# of run.sh (it takes about a minute and tests the tests, not treesync).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
TS=${TREESYNC:-$repo/build/treesync}
M=$(mktemp -d "${TMPDIR:-/tmp}/tsops-mutants.XXXXXX")
trap 'rm -rf "$M"' EXIT
missed=0

# wrapper NAME BODY: a treesync stand-in; BODY sees the real binary as $TS
# and the arguments as "$@".
wrapper() {
	cat >"$M/$1" <<EOF
#!/bin/bash
TS='$TS'
$2
EOF
	chmod +x "$M/$1"
	echo "$M/$1"
}
# expect_fail WHAT TEST [VAR=VALUE...]: the test must exit 1.
expect_fail() {
	local what=$1 t=$2 rc
	shift 2
	env "$@" TSOPS_STRESS_ROUNDS=3 bash "$here/$t.sh" >"$M/out" 2>&1
	rc=$?
	if [ "$rc" = 1 ]; then printf 'caught  %-28s %s\n' "$t" "$what"
	else printf 'MISSED  %-28s %s (exit %s)\n' "$t" "$what" "$rc"; missed=$((missed + 1)); sed 's/^/        /' "$M/out" | tail -5
	fi
}
drop_arg() {	# a wrapper that removes arguments matching a pattern
	wrapper "drop-$1" "args=(); for a in \"\$@\"; do [[ \$a == $2 ]] || args+=(\"\$a\"); done; exec \"\$TS\" \"\${args[@]}\""
}

# --- documentation and completions ---------------------------------------
cp "$repo/man/treesync.1" "$M/no-verify.1"
sed -i '/^\.It Fl -verify$/,+1d' "$M/no-verify.1"
expect_fail "man page without the --verify item" t4010-man-options TSOPS_MAN="$M/no-verify.1"
cp "$repo/man/treesync.1" "$M/stale.1"
sed -i 's/^\.It Fl -fsync$/.It Fl -fsync\n.It Fl -turbo-mode/' "$M/stale.1"
expect_fail "man page documenting a non-existent --turbo-mode" t4010-man-options TSOPS_MAN="$M/stale.1"
cp "$repo/man/treesync.1" "$M/lint.1"
sed -i 's/^\.Sh EXAMPLES$/.Sh EXAMPLES\n\n/' "$M/lint.1"
expect_fail "man page with a lint warning (blank line)" t4010-man-options TSOPS_MAN="$M/lint.1"

for f in treesync.bash _treesync treesync.fish; do
	mkdir -p "$M/c-$f"
	cp "$repo"/completions/treesync.bash "$repo"/completions/_treesync "$repo"/completions/treesync.fish "$M/c-$f/"
	case $f in
	treesync.bash) sed -i 's/ --copy-method=//; s/ --one-file-system//' "$M/c-$f/$f" ;;
	_treesync) sed -i '/--copy-method=/d; /--one-file-system\[/d' "$M/c-$f/$f" ;;
	treesync.fish) sed -i "/-l 'copy-method'/d; /-l 'one-file-system'/d" "$M/c-$f/$f" ;;
	esac
	expect_fail "$f without --copy-method, --one-file-system" t4011-completion-options TSOPS_COMPDIR="$M/c-$f"
done
mkdir -p "$M/c-stale"; cp "$repo"/completions/{treesync.bash,_treesync,treesync.fish} "$M/c-stale/"
sed -i "s/^complete -c treesync -l 'verify'/complete -c treesync -l 'turbo' -d x\n&/" "$M/c-stale/treesync.fish"
expect_fail "treesync.fish offering a stale --turbo" t4011-completion-options TSOPS_COMPDIR="$M/c-stale"
expect_fail "bash: no --copy-method" t4020-bash-completion TSOPS_COMPDIR="$M/c-treesync.bash"
expect_fail "zsh: no --copy-method" t4021-zsh-completion TSOPS_COMPDIR="$M/c-_treesync"
expect_fail "fish: no --copy-method" t4022-fish-completion TSOPS_COMPDIR="$M/c-treesync.fish"
mkdir -p "$M/c-nodel"; cp "$repo"/completions/{treesync.bash,_treesync,treesync.fish} "$M/c-nodel/"
sed -i 's/ --delete-after//; s/ --delete / /' "$M/c-nodel/treesync.bash"
expect_fail "bash: no --delete, --delete-after" t4020-bash-completion TSOPS_COMPDIR="$M/c-nodel"
echo 'syntax error (' >>"$M/c-nodel/_treesync"
expect_fail "zsh: a syntax error" t4021-zsh-completion TSOPS_COMPDIR="$M/c-nodel"

# --- JSON --------------------------------------------------------------
mkdir -p "$M/schema"; cp "$repo"/docs/json-schema/*.json "$M/schema/"
python3 - "$M/schema/summary.v1.json" "$M/schema/item.v1.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1])); del s["properties"]["files"]["properties"]["verified"]
json.dump(s, open(sys.argv[1], "w"))
s = json.load(open(sys.argv[2])); s["properties"]["action"]["enum"].remove("attrs")
json.dump(s, open(sys.argv[2], "w"))
EOF
expect_fail "summary schema without files.verified" t4040-json-summary TSOPS_SCHEMADIR="$M/schema"
expect_fail "item schema without action 'attrs'" t4041-json-items TSOPS_SCHEMADIR="$M/schema"
w=$(wrapper json-lie '"$TS" "$@" | sed "s/\"created\":\([0-9]*\)/\"created\":1\1/"; exit ${PIPESTATUS[0]}')
expect_fail "a --json that over-counts created files" t4040-json-summary TREESYNC="$w"
w=$(wrapper items-lie '"$TS" "$@" | sed "s/\"action\":\"attrs\"/\"action\":\"update\"/"; exit ${PIPESTATUS[0]}')
expect_fail "--json-items calling an attrs change an update" t4041-json-items TREESYNC="$w"

# --- behaviour ---------------------------------------------------------
expect_fail "a treesync that ignores --check (syncs)" t4050-check TREESYNC="$(wrapper no-check 'args=(); for a in "$@"; do [ "$a" = --check ] && a=-i; args+=("$a"); done; exec "$TS" "${args[@]}"')"
expect_fail "a treesync that drops --lock" t4060-lock TREESYNC="$(drop_arg lock '--lock*')"
expect_fail "a treesync that drops --log-file" t4070-log-file TREESYNC="$(drop_arg log '--log-file=*')"
expect_fail "a treesync that drops -q" t4090-quiet TREESYNC="$(wrapper no-q 'args=(); for a in "$@"; do [ "$a" = -q ] && a=-v; args+=("$a"); done; exec "$TS" "${args[@]}"')"
expect_fail "a treesync that drops --progress" t4030-progress-tty TREESYNC="$(drop_arg progress '--progress*')"
expect_fail "a treesync whose --progress is always on" t4031-progress-notty TREESYNC="$(wrapper prog-always 'args=(); for a in "$@"; do [ "$a" = --progress ] && a=--progress=always; args+=("$a"); done; exec "$TS" "${args[@]}"')"
# Dies on a signal without cleaning up (SIGKILLs the real run).
w=$(wrapper dirty 'trap "kill -9 \$child; exit 20" INT TERM HUP; "$TS" "$@" & child=$!; wait $child; r=$?; wait $child 2>/dev/null; exit $r')
expect_fail "SIGINT leaves temps (wrapper SIGKILLs)" t4080-signal-int TREESYNC="$w"
expect_fail "SIGTERM/SIGHUP leave temps" t4082-signal-term-hup TREESYNC="$w"
expect_fail "two signals leave temps" t4081-signal-twice TREESYNC="$w"
# A treesync that never sweeps: the next run runs with a fresh DEST name?
# Instead: a wrapper that puts the temp back after the rerun.
w=$(wrapper no-sweep 'keep=$(mktemp -d); for a in "$@"; do :; done; d=${a%/}; [ -d "$d" ] && find "$d" -name "*.tstmp" -exec cp -p {} "$keep/" \; ; "$TS" "$@"; r=$?; cp -p "$keep"/.[!.]* "$d/" 2>/dev/null; rm -rf "$keep"; exit $r')
expect_fail "the next run does not sweep stale temps" t4083-kill9-rerun TREESYNC="$w"

# --- and the tests that fail today can pass --------------------------------
# (a wrapper that behaves as the test wants must make it pass)
expect_pass() {
	local what=$1 t=$2 rc
	shift 2
	env "$@" bash "$here/$t.sh" >"$M/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then printf 'passes  %-28s %s\n' "$t" "$what"
	else printf 'MISSED  %-28s %s (exit %s)\n' "$t" "$what" "$rc"; missed=$((missed + 1)); sed 's/^/        /' "$M/out" | tail -5
	fi
}
w=$(wrapper lock-err '"$TS" "$@" 2>"${TMPDIR:-/tmp}/lockerr.$$"; r=$?; cat "${TMPDIR:-/tmp}/lockerr.$$" >&2
    grep -q "cannot open lock" "${TMPDIR:-/tmp}/lockerr.$$" && [ $r = 27 ] && r=11; rm -f "${TMPDIR:-/tmp}/lockerr.$$"; exit $r')
expect_pass "a treesync exiting 11 when the lock cannot be opened" t4061-lock-unusable TREESYNC="$w"
w=$(wrapper quiet-wins 'q=0; for a in "$@"; do [ "$a" = -q ] && q=1; done; args=(); for a in "$@"; do
    [ $q = 1 ] && [[ $a == -i || $a == --stats || $a == -v || $a == -vv ]] && continue; args+=("$a"); done; exec "$TS" "${args[@]}"')
expect_pass "a treesync whose -q silences -i and --stats" t4091-quiet-like-rsync TREESYNC="$w"
w=$(wrapper rw-default 'args=(); for a in "$@"; do [ "$a" = --copy-method=auto ] && a=--copy-method=readwrite; args+=("$a"); done; exec "$TS" "${args[@]}"')
expect_pass "a treesync whose default copy aborts promptly" t4086-signal-abort-default-method TREESYNC="$w"
expect_pass "a treesync without a progress line (nothing to glue to)" t4033-progress-with-verbose TREESYNC="$(drop_arg progress2 '--progress*')"

echo
[ "$missed" = 0 ] && echo "all mutants caught" || echo "$missed mutant(s) missed"
[ "$missed" = 0 ]
