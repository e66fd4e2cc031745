#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--partial, -P, --partial-dir like rsync: an interrupted copy keeps its data (in .~tmp~ or the partial dir; rsync's -P over the final name, which treesync never does), the next run completes it with the same tree, -i lines and exit code; a used partial and an emptied relative partial dir are removed; the implied '-p DIR/' rule"
need_func

FULL=12000000
mkdir -p "$SRC/d1/d2"
mkdata "$SRC/d1/d2/big" $FULL
printf 'small\n' >"$SRC/s"
chmod 0640 "$SRC/d1/d2/big"
stamp "$SRC"

# interrupt BIN DEST KEPT OPTS...: starts a slow copy, waits until its
# temp of big holds data, SIGTERMs it, waits for it, and then (rsync's
# receiver, a child, keeps the partial from its exit handler) for KEPT.
interrupt() {
	local bin=$1 dest=$2 kept=$3 i; shift 3
	"$bin" -a --bwlimit=400 "$@" "$SRC/" "$dest/" >/dev/null 2>&1 &
	term_at_temp $! "$dest" '.big.*' 0
	for i in $(seq 1 100); do
		[ -s "$kept" ] && [ "$(find "$dest/d1/d2" -maxdepth 1 -name '.big.*' | wc -l)" = 0 ] && break
		sleep 0.05
	done
}

# same_dirs: the directories of both outputs alike (an interrupted run
# leaves their attributes unset: rsync sets them as it goes, treesync
# once their contents are done), so that the next runs compare as runs.
same_dirs() {
	find "$RS_DST" "$TS_DST" -type d -exec chmod 0755 {} + -exec touch -d @1300000000 {} +
}

# is_prefix FILE: a proper, non-empty prefix of the source's big.
is_prefix() {
	local n
	n=$(stat -c %s "$1") || return 1
	[ "$n" -gt 0 ] && [ "$n" -lt $FULL ] && cmp -s -n "$n" "$1" "$SRC/d1/d2/big"
}

# 1. -P (--partial --progress) over an old complete file: rsync puts the
# partial over the final name (mtime 0, the source's mode) and the old
# file is gone; treesync keeps the old file and the partial in .~tmp~
# beside it (a deliberate difference: a final name only ever holds a
# complete file).  The next run completes both alike.
for tool in rsync treesync; do
	bin=$RSYNC dest=$RS_DST kept=$RS_DST/d1/d2/big
	[ $tool = treesync ] && bin=$TREESYNC dest=$TS_DST kept=$TS_DST/d1/d2/.~tmp~/big
	rm -rf "$dest"
	mkdir -p "$dest/d1/d2"
	printf 'old complete\n' >"$dest/d1/d2/big"
	chmod 0640 "$dest/d1/d2/big"
	interrupt "$bin" "$dest" "$kept" -P
	is_prefix "$kept" || fail "$tool -P: no partial prefix in $kept"
done
[ "$(stat -c %Y "$RS_DST/d1/d2/big")" = 0 ] || fail "scenario: rsync's partial's mtime is not 0"
grep -qx 'old complete' "$TS_DST/d1/d2/big" || fail "-P: the final name lost its complete file"
same_dirs
run_both_again -ai --partial -- "$SRC/" "$DST"
assert_same_result
cmp -s "$SRC/d1/d2/big" "$TS_DST/d1/d2/big" || fail "--partial: big not completed"

# 2. --partial-dir relative: the partial in DIR of the file's directory,
# the final name untouched; the next run uses it up and removes DIR.
for tool in rsync treesync; do
	bin=$RSYNC dest=$RS_DST
	[ $tool = treesync ] && bin=$TREESYNC dest=$TS_DST
	rm -rf "$dest"
	mkdir -p "$dest/d1/d2"
	printf 'old complete\n' >"$dest/d1/d2/big"
	interrupt "$bin" "$dest" "$dest/d1/d2/.rsync-partial/big" -I \
	    --partial-dir=.rsync-partial
	is_prefix "$dest/d1/d2/.rsync-partial/big" ||
		fail "$tool --partial-dir: no partial in the partial dir"
	grep -qx 'old complete' "$dest/d1/d2/big" ||
		fail "$tool --partial-dir: the final name was changed"
done
same_dirs
run_both_again -ai --partial-dir=.rsync-partial -- "$SRC/" "$DST"
assert_same_result
[ -e "$TS_DST/d1/d2/.rsync-partial" ] && fail "--partial-dir: DIR left behind"

# 3. A partial dir found from an earlier run, with a stale partial of an
# up-to-date file and one of a file to copy: rsync's lines and tree.
rm -rf "$DST"
mkdir -p "$DST/d1/d2/.pp"
cp -p "$SRC/d1/d2/big" "$DST/d1/d2/big"
printf 'stale\n' >"$DST/d1/d2/.pp/big"
mkdir -p "$DST/.pp"
head -c 3 "$SRC/s" >"$DST/.pp/s"
stamp "$DST" 1400000000
touch -r "$SRC/d1/d2/big" "$DST/d1/d2/big"
run_both -ai --partial-dir=.pp -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
[ -e "$TS_DST/.pp" ] && fail "--partial-dir: the used DIR was not removed"

# 4. The implied rule: a source DIR is not copied, a DEST one survives
# --delete (and goes with --delete-excluded).
rm -rf "$DST"
mkdir -p "$SRC/.pp" "$DST/.pp" "$DST/d1/.pp"
printf 'src junk\n' >"$SRC/.pp/junk"
printf 'keep\n' >"$DST/d1/.pp/other"
stamp "$SRC"
run_both -ai --delete --partial-dir=.pp -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
[ -f "$TS_DST/d1/.pp/other" ] || fail "--partial-dir: DIR not protected"
[ -e "$TS_DST/.pp/junk" ] && fail "--partial-dir: the source's DIR was copied"
run_both -ai --delete --delete-excluded --partial-dir=.pp -- "$SRC/" "$DST"
assert_same_result --no-mtime-dirs
rm -rf "$SRC/.pp"
stamp "$SRC"

# 5. An absolute partial dir: its partial (a near copy) is not trusted as
# data, and is removed once the file is copied.
rm -rf "$DST"
for tool in rs ts; do
	mkdir -p "$T/abs.$tool"
	cp "$SRC/d1/d2/big" "$T/abs.$tool/big"
	printf 'CHANGED' | dd of="$T/abs.$tool/big" bs=1 seek=600000 conv=notrunc 2>/dev/null
done
_reset_outputs
run_rs -ai --partial-dir="$T/abs.rs" -- "$SRC/" "$DST"
run_ts -ai --partial-dir="$T/abs.ts" -- "$SRC/" "$DST"
assert_same_result
[ -e "$T/abs.ts/big" ] && fail "absolute --partial-dir: the partial was not used up"
[ -d "$T/abs.ts" ] || fail "absolute --partial-dir: DIR itself removed"
pass
