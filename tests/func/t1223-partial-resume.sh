#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--partial resume (treesync's own): a partial kept by an interrupted run is resumed by the next --partial run with copy_file_range too (only the rest copied, --stats and -vv say so), never when the source changed, when the kept tail differs, or without --partial; the result is the source"
need_treesync

SIZE=12000000
mkdir -p "$SRC"
mkdata "$SRC/big" $SIZE
touch -d @1400000000 "$SRC/big"

# interrupt DEST OPTS...: SIGTERM once big's temp holds data.  The
# partial is kept in DEST's .~tmp~ (--partial) or .part (--partial-dir),
# never under the final name: PART, KEPT bytes.
interrupt() {
	local dest=$1; shift
	"$TREESYNC" -a --partial --bwlimit=2000 "$@" "$SRC/" "$dest/" >/dev/null 2>&1 &
	term_at_temp $! "$dest" '.big.*' 1000
	PART=$dest/.~tmp~/big
	[ -e "$dest/.part/big" ] && PART=$dest/.part/big
	[ -e "$dest/big" ] && fail "the interrupted copy left a partial under its final name"
	KEPT=$(stat -c %s "$PART")
	[ "$KEPT" -gt 0 ] && [ "$KEPT" -lt $SIZE ] || fail "kept $KEPT bytes"
}

# sent NAME: --stats' "Total bytes sent" of run NAME.
sent() { sed -n 's/^Total bytes sent: //p' "$T/$1.out" | tr -d ,; }

for m in copy_file_range sendfile readwrite; do
	D=$T/d.$m
	interrupt "$D" --copy-method=$m
	ts "$T/$m.out" "$T/$m.err" -a --partial -vv --stats --copy-method=$m "$SRC/" "$D/"
	[ "$RC" = 0 ] || fail "$m: exit $RC"
	cmp -s "$SRC/big" "$D/big" || fail "$m: big differs"
	grep -q "resumed after $KEPT bytes" "$T/$m.out" || fail "$m: not resumed"
	[ "$(sent $m)" = $((SIZE - KEPT)) ] ||
		fail "$m: sent $(sent $m) bytes, the rest is $((SIZE - KEPT))"
done

# Not resumed: the source's mtime changed; the kept tail differs; no
# --partial on the next run.
D=$T/d.changed
interrupt "$D"
touch -d @1400000001 "$SRC/big"
ts "$T/c.out" "$T/c.err" -a --partial -vv "$SRC/" "$D/"
grep -q resumed "$T/c.out" && fail "a changed source was resumed"
cmp -s "$SRC/big" "$D/big" || fail "changed: big differs"
touch -d @1400000000 "$SRC/big"

D=$T/d.tail
interrupt "$D"
printf 'X' | dd of="$PART" bs=1 seek=$((KEPT - 1)) conv=notrunc 2>/dev/null
ts "$T/t.out" "$T/t.err" -a --partial -vv "$SRC/" "$D/"
grep -q resumed "$T/t.out" && fail "a partial whose tail differs was resumed"
cmp -s "$SRC/big" "$D/big" || fail "tail: big differs"

D=$T/d.plain
interrupt "$D"
ts "$T/p.out" "$T/p.err" -a -vv --stats "$SRC/" "$D/"
grep -q resumed "$T/p.out" && fail "resumed without --partial"
[ "$(sent p)" = $SIZE ] || fail "without --partial: sent $(sent p)"
cmp -s "$SRC/big" "$D/big" || fail "plain: big differs"

# --partial-dir: resumed from the partial dir, which goes.
D=$T/d.pdir
interrupt "$D" --partial-dir=.part
ts "$T/d.out" "$T/d.err" -a --partial-dir=.part -vv "$SRC/" "$D/"
grep -q "resumed after $KEPT bytes" "$T/d.out" || fail "--partial-dir: not resumed"
cmp -s "$SRC/big" "$D/big" || fail "--partial-dir: big differs"
[ -e "$D/.part" ] && fail "--partial-dir: DIR left"
[ -e "$T/d.copy_file_range/.~tmp~" ] && fail "--partial: .~tmp~ left after the resume"
pass
