#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--write-batch, --only-write-batch, --read-batch (and FILE.sh) like rsync's: the writing run, the replay into another copy of the starting DEST and the script's replay leave rsync's tree (hard-link groups included), print rsync's -i lines and exit with its code; --only-write-batch leaves DEST as it was; usage errors as rsync's"

# The mixed tree (files, dirs, symlinks, a FIFO, odd names, a hard-link
# pair) against a stale DEST: a changed file, a mode-only change, a file
# where the source has a directory and a directory where it has a file,
# extraneous entries (one a deep directory), an unchanged file.
make_mixed_tree "$SRC"
mkdir -p "$DST/a/b" "$DST/gone/deep" "$DST/odd"
printf 'old top\n' >"$DST/a/top.txt"
printf 'mid\n' >"$DST/a/b/mid.txt"
printf 'x' >"$DST/one_byte"
printf 'in the way\n' >"$DST/empty_dir"
mkdir -p "$DST/private_file"
printf 'extra\n' >"$DST/extra"
printf 'deep\n' >"$DST/gone/deep/z"
printf 'uni\n' >"$DST/odd/ünïcødé-ファイル"
stamp "$DST" 1400000000
touch -r "$SRC/a/b/mid.txt" "$DST/a/b/mid.txt"
touch -r "$SRC/one_byte" "$DST/one_byte"
chmod 0600 "$DST/one_byte"
touch -r "$SRC/odd/ünïcødé-ファイル" "$DST/odd/ünïcødé-ファイル"

# read_both OPTS... -- DESTARG: each tool replays its own batch (RB, TB)
# into a fresh copy of $DST (DESTARG starts with $DST).
read_both() {
	local opts=() a
	for a; do
		[ "$a" = -- ] && break
		opts+=("$a")
		shift
	done
	shift
	_reset_outputs
	_run_one rsync "$RSYNC" "$RS_DST" "${opts[@]}" --read-batch="$T/RB" -- "$1"
	_run_one treesync "$TREESYNC" "$TS_DST" "${opts[@]}" --read-batch="$T/TB" -- "$1"
	RS_RC=$(cat "$T/rsync.rc")
	TS_RC=$(cat "$T/treesync.rc")
}

# write_both WHICH OPTS... -- SRCARGS... DEST: the writing runs.
write_both() {
	local which=$1 opts=() args=() a seen=0
	shift
	for a; do
		if [ $seen = 0 ] && [ "$a" = -- ]; then seen=1; continue; fi
		if [ $seen = 0 ]; then opts+=("$a"); else args+=("$a"); fi
	done
	rm -f "$T/RB" "$T/RB.sh" "$T/TB" "$T/TB.sh"
	_reset_outputs
	_run_one rsync "$RSYNC" "$RS_DST" "${opts[@]}" "--$which=$T/RB" -- "${args[@]}"
	_run_one treesync "$TREESYNC" "$TS_DST" "${opts[@]}" "--$which=$T/TB" -- "${args[@]}"
	RS_RC=$(cat "$T/rsync.rc")
	TS_RC=$(cat "$T/treesync.rc")
}

# assert_same_result, where -H's lines name another first link (README:
# which link of a group is copied first is not rsync's): the lines other
# than the group's compared, and the number of hf lines.
same_result() {
	case " $* " in
	*H*) ;;
	*) assert_same_result "${snapf[@]}"; return ;;
	esac
	local tag
	for tag in rsync treesync; do
		grep -c '^hf' "$T/$tag.out" >"$T/$tag.hf"
		grep -v 'hard_' "$T/$tag.out" >"$T/$tag.tmp"
		mv "$T/$tag.tmp" "$T/$tag.out"
	done
	cmp -s "$T/rsync.hf" "$T/treesync.hf" || fail "$*: hf lines differ in number"
	assert_same_result "${snapf[@]}"
}

snap "$DST" >"$T/dst.before"
xflag=()
if setfattr -n user.batch -v one "$SRC/a/top.txt" 2>/dev/null; then
	xflag=(-X)
fi
for opts in "-ai --delete" "-aiH --delete ${xflag[*]}" "-rli" \
    "-ai --delete --force"; do
	# shellcheck disable=SC2086
	set -- $opts
	# Without -t the times are each run's own.
	snapf=()
	[ "$opts" = -rli ] && snapf=(--no-mtime)
	# The writing run: the same as a plain run, and a batch.
	write_both write-batch "$@" -- "$SRC/" "$DST"
	same_result "$@"
	[ -s "$T/TB" ] && [ -s "$T/TB.sh" ] || fail "$opts: no batch or script"
	snap "$TS_DST" "${snapf[@]}" >"$T/written"
	# The replay into the starting state: rsync's tree, lines and code,
	# and the writing run's tree.
	read_both "$@" -- "$DST"
	# README: a batch holds the changes, not the entries the writing run
	# skipped, so its replay does not say "skipping non-regular file"
	# again (rsync's replays its whole file list).
	sed -i '/^skipping non-regular file /d' "$T/rsync.out"
	same_result "$@"
	snap "$TS_DST" "${snapf[@]}" >"$T/replayed"
	assert_snap_equal "$T/written" "$T/replayed" "$opts: the replay differs from the writing run"
	# The script, DEST given as its argument.
	rm -rf "$T/viash"
	cp -a "$DST" "$T/viash"
	(cd "$T" && sh "$T/TB.sh" "$T/viash" >/dev/null 2>&1) ||
		fail "$opts: TB.sh exited $?"
	assert_same_tree "$RS_DST" "$T/viash" "${snapf[@]}"
	# A second replay changes nothing (with -t: without it every file's
	# time differs, and a second plain run copies them again too).
	[ "$opts" = -rli ] && continue
	_run_one treesync "$TREESYNC" "$TS_DST" "$@" --read-batch="$T/TB" -- "$DST"
	assert_rc treesync 0
	expect_no_output treesync
	snap "$TS_DST" "${snapf[@]}" >"$T/again"
	assert_snap_equal "$T/written" "$T/again" "$opts: a second replay changed the tree"
done

# --only-write-batch: DEST untouched (both), the replay is the whole run.
write_both only-write-batch -ai --delete -- "$SRC/" "$DST"
assert_same_output
assert_same_tree "$RS_DST" "$TS_DST"
snap "$TS_DST" >"$T/dst.after"
assert_snap_equal "$T/dst.before" "$T/dst.after" "--only-write-batch changed DEST"
read_both -ai --delete -- "$DST"
assert_same_result
run_both -a --delete -- "$SRC/" "$DST"
snap "$RS_DST" >"$T/plain"
read_both -a --delete -- "$DST"
snap "$TS_DST" >"$T/replayed"
assert_snap_equal "$T/plain" "$T/replayed" "--only-write-batch replay differs from a plain run"

# Without --delete on the reading side nothing is deleted (rsync: the
# reader's option decides).
read_both -ai -- "$DST"
assert_same_result
[ -e "$TS_DST/extra" ] || fail "a replay without --delete deleted extra"

# Into a missing DEST (rsync's batch-mode test), from stdin.
write_both only-write-batch -a -- "$SRC/" "$T/missing/"
[ -e "$T/missing" ] && fail "--only-write-batch made DEST"
rm -rf "$T/rs_new" "$T/ts_new"
"$RSYNC" -a --read-batch="$T/RB" "$T/rs_new" || fail "rsync --read-batch failed"
"$TREESYNC" -a --read-batch=- "$T/ts_new" <"$T/TB" || fail "--read-batch=- exited $?"
assert_same_tree "$T/rs_new" "$T/ts_new"
assert_same_tree "$SRC" "$T/ts_new" --no-root --no-nlink

# Usage errors (exit 1, as rsync's).  A SRC operand with --read-batch
# too (README: rsync ignores it and replays into the last operand).
"$TREESYNC" -a --read-batch="$T/TB" "$SRC/" "$T/d" 2>/dev/null
tsrc=$?
[ "$tsrc" = 1 ] || fail "--read-batch with a SRC operand: exit $tsrc, not 1"
for bad in "--write-batch=$T/x --read-batch=$T/TB $T/d" \
    "--read-batch=$T/TB"; do
	# shellcheck disable=SC2086
	"$RSYNC" -a $bad </dev/null >/dev/null 2>&1
	rs=$?
	# shellcheck disable=SC2086
	"$TREESYNC" -a $bad </dev/null >/dev/null 2>"$T/err"
	tsrc=$?
	[ "$rs" = 1 ] || fail "scenario: rsync exits $rs for $bad"
	[ "$tsrc" = 1 ] || fail "$bad: exit $tsrc, rsync's 1"
	[ -e "$T/d" ] && fail "$bad: made DEST"
done
# A batch file that cannot be opened: rsync's 11.
"$TREESYNC" -a --read-batch="$T/nonexistent" "$T/d" 2>/dev/null
tsrc=$?
[ "$tsrc" = 11 ] || fail "missing batch file: exit $tsrc, rsync's 11"
pass
