#!/bin/bash
# t4050: --check compares and changes nothing: exit 0 when the trees are in
# sync, 28 when they differ; -i lines name what differs; a content change
# that keeps size and mtime is found only with -c; DEST is byte-for-byte and
# inode-for-inode the same afterwards (snapshots with mtimes and ctimes),
# even with a killed run's temp file in it and with --delete.
. "$(dirname "$0")/lib.sh"
desc "--check: exit 0/28, -i names the differences, nothing written"
need_treesync
S=$T/src D=$T/dst
mkdir -p "$S/sub"
for f in a b sub/c sub/d; do echo "content $f" >"$S/$f"; done
ts "$T/o" "$T/e" -a "$S/" "$D/"
[ "$RC" = 0 ] || { bad "initial sync: exit $RC"; show "$T/e"; finish; }

# check_run NAME EXPECTED-RC ARGS...: runs --check, compares DEST before
# and after; the output is in $T/NAME.out.
check_run() {
	local name=$1 want=$2
	shift 2
	snap "$D" >"$T/$name.before"
	sleep 0.01
	ts "$T/$name.out" "$T/$name.err" --check "$@" "$S/" "$D/"
	snap "$D" >"$T/$name.after"
	[ "$RC" = "$want" ] && ok "$name: exit $RC" || { bad "$name: exit $RC, want $want"; show "$T/$name.err" 5; }
	cmp -s "$T/$name.before" "$T/$name.after" && ok "$name: DEST unchanged (snapshot)" ||
	    { bad "$name: --check changed DEST:"; diff "$T/$name.before" "$T/$name.after" | head -6 | sed 's/^/      | /'; }
}
# has NAME REGEX: a line of NAME's output matches.
has() { grep -qE "$2" "$T/$1.out" && ok "$1: -i line /$2/" || { bad "$1: no line /$2/"; show "$T/$1.out" 10; }; }

check_run insync 0 -a -i
[ -s "$T/insync.out" ] && { bad "in sync: -i printed something"; show "$T/insync.out"; }
check_run insync-c 0 -a -c -i --delete

# Differences of every kind.
echo "longer content now" >"$S/a"          # size
echo new >"$S/new"                           # missing in DEST
echo extra >"$D/extra"                       # extraneous
chmod 600 "$S/sub/c"                         # perms
touch -d 2021-05-05 "$S/sub/d"               # mtime
touch -r "$S" "$D"; touch -r "$S/sub" "$D/sub"
echo debris >"$D/.b.AbC123.tstmp"            # a killed run's temp file
check_run differ 28 -a -i --delete
has differ '^>f\.s.* a$'
has differ '^>f\+{9} new$'
has differ '^\*deleting +extra$'
has differ '^\.f\.\.\.p\.{5} sub/c$'
has differ '^>f\.\.t\.{6} sub/d$'
grep -q tstmp "$T/differ.out" && bad "--check lists the stale temp file as a difference"
[ -e "$D/.b.AbC123.tstmp" ] && ok "--check leaves a stale temp file alone" || bad "--check removed a stale temp file"
rm -f "$D/.b.AbC123.tstmp"
check_run differ-q 28 -a -q --delete
[ -s "$T/differ-q.out" ] && bad "--check -q printed on stdout"
check_run differ-json 28 -a --delete --json
[ "$(jq -r .exit_code "$T/differ-json.out" 2>/dev/null)" = 28 ] && ok "--check --json: .exit_code 28" ||
    bad "--check --json: .exit_code is '$(jq -r .exit_code "$T/differ-json.out" 2>/dev/null)'"

# Sync, then a content change that keeps size and mtime.
ts "$T/o" "$T/e" -a --delete "$S/" "$D/"
check_run resynced 0 -a -i --delete
printf 'CONTENT a\n' >"$T/x"; cp "$T/x" "$D/b"; touch -r "$S/b" "$D/b"    # same size, same mtime
[ "$(stat -c %s "$S/b")" = "$(stat -c %s "$D/b")" ] || bad "test setup: sizes differ"
check_run quick 0 -a -i
[ -s "$T/quick.out" ] && bad "without -c, an equal-size equal-mtime file was reported"
check_run content 28 -a -c -i
has content '^>fc\.{8} b$'
[ "$(grep -c . "$T/content.out")" = 1 ] || { bad "-c: more than the one changed file listed"; show "$T/content.out"; }

# A missing DEST: differs, and is not created.
rm -rf "$T/nodest"
ts "$T/o" "$T/e" --check -a "$S/" "$T/nodest/"
[ "$RC" = 28 ] && ok "missing DEST: exit 28" || bad "missing DEST: exit $RC"
[ -e "$T/nodest" ] && bad "--check created the missing DEST" || ok "missing DEST: not created"
finish
