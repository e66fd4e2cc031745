#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--remove-source-files with --delay-updates: like rsync on a run that ends (same -i lines, exit code, tree, sources left, with -H too), and a source goes only once its file is at its final name: a run killed while files wait in .~tmp~ keeps their sources (rsync removes them at staging, README)"
need_func

make_src() {
	rm -rf "$SRC"
	mkdir -p "$SRC/d1/d2"
	printf 'new a\n' >"$SRC/a"
	printf 'new b\n' >"$SRC/d1/b"
	printf 'new c\n' >"$SRC/d1/d2/c"
	printf 'same\n' >"$SRC/same"
	printf 'group\n' >"$SRC/h1"
	ln "$SRC/h1" "$SRC/d1/h2"
	ln -s a "$SRC/link"
	stamp "$SRC"
}
make_src
mkdir -p "$DST/d1"
cp -p "$SRC/same" "$DST/same"
printf 'old b\n' >"$DST/d1/b"
touch -d @1400000000 "$DST/d1/b"

src_left() { (cd "$SRC" && find . | LC_ALL=C sort); }

for opts in "-ai" "-ai --info=remove" "-aiH"; do
	# shellcheck disable=SC2086
	{ make_src; _reset_outputs; run_rs $opts --delay-updates --remove-source-files -- "$SRC/" "$DST/"; }
	src_left >"$T/rs.left"
	# shellcheck disable=SC2086
	{ make_src; run_ts $opts --delay-updates --remove-source-files -- "$SRC/" "$DST/"; }
	src_left >"$T/ts.left"
	if [ "$opts" = -aiH ]; then
		sed -i 's/^hf+++++++++ .*/hf <link>/; s/^>f+++++++++ \(h1\|d1\/h2\)$/>f <first>/' \
			"$T/rsync.out" "$T/treesync.out"
	fi
	assert_same_result
	diff -u "$T/rs.left" "$T/ts.left" >"$T/left.diff" ||
		{ note_file "$T/left.diff" 30; fail "$opts: the sources left differ"; }
	grep -qx './d1/b' "$T/ts.left" && fail "$opts: d1/b's source was kept"
	find "$TS_DST" -name '.~tmp~' | grep -q . && fail "$opts: .~tmp~ left"
done

# Killed while d1/b waits in .~tmp~ (a big file still being copied): its
# source must still be there, since its final name holds the old file.
make_src
mkdata "$SRC/d1/zbig" 12000000
_reset_outputs
"$TREESYNC" -aH --delay-updates --remove-source-files --bwlimit=500 \
	"$SRC/" "$TS_DST/" >/dev/null 2>&1 &
pid=$!
seen=
for i in $(seq 1 300); do
	[ -f "$TS_DST/d1/.~tmp~/b" ] && { seen=1; break; }
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
[ -n "$seen" ] || { kill "$pid"; fail "scenario: d1/b never staged"; }
sleep 0.3
kill -0 "$pid" 2>/dev/null || fail "scenario: treesync finished too soon"
[ -e "$SRC/d1/b" ] || { kill "$pid"; fail "d1/b's source removed while the file waits in .~tmp~"; }
# -H: the group waits in the staging dirs as one inode, its sources kept.
[ -e "$TS_DST/h1" ] || [ -e "$TS_DST/d1/h2" ] && { kill "$pid"; fail "-H: a link at its final name before the end"; }
[ "$(stat -c %i "$TS_DST/.~tmp~/h1")" = "$(stat -c %i "$TS_DST/d1/.~tmp~/h2")" ] ||
	{ kill "$pid"; fail "-H: the staged h1 and d1/h2 are not one inode"; }
[ -e "$SRC/h1" ] && [ -e "$SRC/d1/h2" ] || { kill "$pid"; fail "-H: a staged link's source removed"; }
kill -TERM "$pid"
wait "$pid"
[ "$(cat "$TS_DST/d1/b")" = "old b" ] || fail "an interrupted run changed d1/b"
[ -e "$SRC/d1/b" ] || fail "an interrupted run removed d1/b's source (final name still old)"
grep -qx 'new b' "$TS_DST/d1/.~tmp~/b" || fail "staged d1/b lost"
# The next run puts it in place and only then removes the source.
run_ts -aH --delay-updates --remove-source-files -- "$SRC/" "$DST/"
[ "$TS_RC" = 0 ] || { _show_run treesync; fail "rerun: exit $TS_RC"; }
[ "$(cat "$TS_DST/d1/b")" = "new b" ] || fail "rerun: d1/b not in place"
[ -e "$SRC/d1/b" ] && fail "rerun: d1/b's source kept"
[ "$(stat -c %s "$TS_DST/d1/zbig")" = 12000000 ] || fail "rerun: zbig incomplete"
[ -e "$SRC/d1/zbig" ] && fail "rerun: zbig's source kept"
[ "$(stat -c %i "$TS_DST/h1")" = "$(stat -c %i "$TS_DST/d1/h2")" ] ||
	fail "rerun: h1 and d1/h2 are not one inode"
[ -e "$SRC/h1" ] || [ -e "$SRC/d1/h2" ] && fail "rerun: a link's source kept"
pass
