#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--delay-updates like rsync: the same tree (directory times included), -i lines and exit code for new and updated files at depth, with stale staged files and --delete; files wait in .~tmp~ (or --partial-dir) until the end, and an interrupted run leaves every final name as it was"
need_func

mkdir -p "$SRC/d1/d2/d3"
for f in a d1/b d1/d2/c d1/d2/d3/e; do printf 'first %s\n' "$f" >"$SRC/$f"; done
: >"$SRC/empty"
ln -s a "$SRC/link"
stamp "$SRC"

# 1. Into a new DEST.
run_both -ai --delay-updates -- "$SRC/" "$DST"
assert_same_result
find "$TS_DST" -name '.~tmp~' | grep -q . && fail "--delay-updates: .~tmp~ left"

# 2. Updates, with stale staged files (one of a file that is now up to
# date, one of a file to update) and an extraneous file, --delete.
cp -a "$TS_DST" "$DST"
for f in d1/b d1/d2/d3/e; do printf 'second %s\n' "$f" >"$SRC/$f"; done
stamp "$SRC" 1500000000
touch -r "$SRC/a" "$DST/a"
mkdir -p "$DST/.~tmp~" "$DST/d1/d2/d3/.~tmp~"
printf 'stale\n' >"$DST/.~tmp~/a"
printf 'stale e\n' >"$DST/d1/d2/d3/.~tmp~/e"
printf 'extra\n' >"$DST/d1/extra"
run_both -ai --delete --delay-updates -- "$SRC/" "$DST"
assert_same_result
find "$TS_DST" -name '.~tmp~' | grep -q . && fail "--delay-updates: .~tmp~ left"

# 3. --partial-dir names the staging directory.
printf 'third\n' >"$SRC/d1/b"
run_both_again -ai --delay-updates --partial-dir=.stage -- "$SRC/" "$DST"
assert_same_result

# 4. The renames wait for the end: while a big file is still being
# copied, a small one already finished is staged, not in place; killed
# then, every final name keeps its old content.
mkdata "$SRC/d1/zbig" 12000000
printf 'fourth\n' >"$SRC/d1/b"
stamp "$SRC" 1600000000
for tool in rsync treesync; do
	bin=$RSYNC dest=$RS_DST
	[ $tool = treesync ] && bin=$TREESYNC dest=$TS_DST
	before=$(cat "$dest/d1/b")
	"$bin" -a --delay-updates --bwlimit=500 "$SRC/" "$dest/" >/dev/null 2>&1 &
	pid=$!
	seen=
	for i in $(seq 1 300); do
		[ -f "$dest/d1/.~tmp~/b" ] && { seen=1; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$seen" ] || { kill "$pid"; fail "$tool: d1/b never staged"; }
	kill -0 "$pid" 2>/dev/null || fail "scenario: $tool finished too soon"
	[ "$(cat "$dest/d1/b")" = "$before" ] ||
		fail "$tool: d1/b was renamed into place before the end"
	[ -e "$dest/d1/zbig" ] && fail "$tool: zbig in place before the end"
	kill -TERM "$pid"
	wait "$pid"
	[ "$(cat "$dest/d1/b")" = "$before" ] ||
		fail "$tool: an interrupted run changed d1/b"
	grep -qx fourth "$dest/d1/.~tmp~/b" || fail "$tool: staged d1/b lost"
	[ -e "$dest/d1/zbig" ] && fail "$tool: an interrupted run made zbig"
done
# The next run puts everything in place (the staged files are replaced).
find "$RS_DST" "$TS_DST" -type d -exec chmod 0755 {} + -exec touch -d @1300000000 {} +
run_both_again -ai --delay-updates -- "$SRC/" "$DST"
assert_same_result
find "$TS_DST" -name '.~tmp~' | grep -q . && fail "--delay-updates: .~tmp~ left"
pass
