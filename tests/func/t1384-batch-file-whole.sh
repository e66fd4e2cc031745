#!/bin/bash
# --write-batch=FILE writes FILE and FILE.sh under temp names beside them
# and renames them only once the batch is complete: a run that records
# nothing (refused by --lock: exit 27) leaves an older FILE and FILE.sh
# exactly as they were (they were cut to empty files before), and no temp
# behind; a complete run replaces them.  FILE a directory is still an
# error (exit 11) that touches nothing.
. "$(dirname "$0")/lib.sh"
describe "--write-batch: FILE and FILE.sh replaced only by a complete batch (temp then rename): a refused run (--lock held, exit 27) leaves the old ones whole and no temp; FILE a directory: exit 11"
need_treesync
command -v flock >/dev/null || skip "no flock (util-linux)"

mkdir -p "$SRC/sub" "$T/b"
echo one >"$SRC/a"; echo two >"$SRC/sub/b"
"$TREESYNC" -a --write-batch="$T/b/B" -- "$SRC/" "$T/d1" >/dev/null 2>&1 ||
	fail "first --write-batch: exit $?"
cp -p "$T/b/B" "$T/B.old"; cp -p "$T/b/B.sh" "$T/B.sh.old"

# A run refused by a held lock records nothing.
flock "$T/L" sleep 30 &
LOCKER=$!
at_exit kill "$LOCKER"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	flock -n "$T/L" true 2>/dev/null || break
	sleep 0.2
done
echo three >"$SRC/c"
"$TREESYNC" -a --lock="$T/L" --write-batch="$T/b/B" -- "$SRC/" "$T/d2" >/dev/null 2>&1
rc=$?
[ "$rc" = 27 ] || fail "a held lock: exit $rc, want 27"
cmp -s "$T/b/B" "$T/B.old" || fail "the refused run changed the old batch ($(stat -c %s "$T/b/B") bytes)"
cmp -s "$T/b/B.sh" "$T/B.sh.old" || fail "the refused run changed the old script"
[ "$(ls -A "$T/b" | sort | tr '\n' ' ')" = "B B.sh " ] ||
	fail "debris beside the batch: $(ls -A "$T/b")"
"$TREESYNC" -a --read-batch="$T/b/B" -- "$T/d3" >/dev/null 2>&1 ||
	fail "the old batch does not replay: exit $?"
[ -f "$T/d3/sub/b" ] && [ ! -e "$T/d3/c" ] || fail "the old batch replays something else"

# A complete run replaces both.
"$TREESYNC" -a --write-batch="$T/b/B" -- "$SRC/" "$T/d4" >/dev/null 2>&1 ||
	fail "second --write-batch: exit $?"
"$TREESYNC" -a --read-batch="$T/b/B" -- "$T/d5" >/dev/null 2>&1 ||
	fail "the new batch does not replay: exit $?"
[ -f "$T/d5/c" ] || fail "the new batch lacks c"
[ "$(ls -A "$T/b" | sort | tr '\n' ' ')" = "B B.sh " ] ||
	fail "debris beside the new batch: $(ls -A "$T/b")"

# FILE a directory: exit 11, nothing made there.
mkdir -p "$T/b/D"
"$TREESYNC" -a --write-batch="$T/b/D" -- "$SRC/" "$T/d6" >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 11 ] || fail "FILE a directory: exit $rc, want 11"
[ -z "$(ls -A "$T/b/D")" ] && [ ! -e "$T/b/D.sh" ] || fail "FILE a directory: something made"
pass
