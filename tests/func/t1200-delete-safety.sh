#!/bin/bash
# treesync-only: the deletion safety rules of DESIGN.md (rsync differs).
. "$(dirname "$0")/lib.sh"
describe "--delete safety: source errors and failed items delete nothing (--ignore-errors does), empty source refused (26), --max-delete all-or-nothing (25), killed runs' temps swept"
need_treesync
ts_is_rsync && skip "treesync-only behaviour (rsync deletes in these cases)"

mk() {	# a source with two files, a destination with extras everywhere
	rm -rf "$SRC" "$DST"
	mkdir -p "$SRC/a" "$DST/a" "$DST/zz"
	echo 1 >"$SRC/one"; echo 2 >"$SRC/a/two"
	echo x >"$DST/extra"; echo y >"$DST/a/extra"; echo z >"$DST/zz/extra"
}
count() { find "$DST" -name extra | wc -l; }

# A missing source operand is a source error: nothing may be deleted.
mk
"$TREESYNC" -a --delete "$SRC/" "$T/no-such-dir/" "$DST/" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 23 ] || fail "missing source with --delete: exit $rc, want 23"
[ "$(count)" = 3 ] || fail "missing source with --delete deleted files: $(count) extras left of 3"
grep -q "skipping file deletion" "$T/err" || fail "no 'skipping file deletion' message: $(cat "$T/err")"
[ -f "$DST/a/two" ] || fail "the good source was not copied"

# An unreadable source directory (as an unprivileged user; root reads all).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mk
	mkdir -p "$SRC/locked" "$DST/locked"; echo keep >"$DST/locked/backup"
	chmod 000 "$SRC/locked"; chown -R nobody "$T"; chmod 755 "$T"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TREESYNC" -rt --delete "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
	rc=$?
	chmod 755 "$SRC/locked"
	[ $rc = 23 ] || fail "unreadable source dir: exit $rc, want 23 ($(cat "$T/err"))"
	[ "$(count)" = 3 ] || fail "unreadable source dir: extras deleted ($(count) of 3 left)"
	[ -f "$DST/locked/backup" ] || fail "unreadable source dir: the backup copy was deleted"
	grep -q "locked" "$T/err" || fail "the unreadable directory is not named: $(cat "$T/err")"
	# --ignore-errors deletes in cleanly read directories only.
	chmod 000 "$SRC/locked"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TREESYNC" -rt --delete --ignore-errors "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
	chmod 755 "$SRC/locked"
	[ -f "$DST/locked/backup" ] || fail "--ignore-errors deleted inside the unreadable directory"
	[ ! -e "$DST/extra" ] || fail "--ignore-errors did not delete in a clean directory"
	chown -R root "$T"

	# An item that fails (a new file in a DEST directory nobody cannot
	# write to) stops deletion too -- unless --ignore-errors.
	mk
	mkdir -p "$SRC/ro" "$DST/ro"; echo new >"$SRC/ro/new"
	chown -R nobody "$T"; chmod 755 "$T"; chown root "$DST/ro"; chmod 555 "$DST/ro"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TREESYNC" -rt --delete "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 23 ] || fail "a failed item: exit $rc, want 23 ($(cat "$T/err"))"
	[ "$(count)" = 3 ] || fail "a failed item: extras deleted ($(count) of 3 left)"
	grep -q "skipping file deletion" "$T/err" || fail "a failed item: no 'skipping file deletion': $(cat "$T/err")"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TREESYNC" -rt --delete --ignore-errors "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 23 ] || fail "a failed item, --ignore-errors: exit $rc, want 23 ($(cat "$T/err"))"
	[ "$(count)" = 0 ] || fail "a failed item, --ignore-errors: $(count) extras left, want 0"
	chmod 755 "$DST/ro"
	chown -R root "$T"

	# An unreadable directory inside an extraneous one (x/locked) and
	# inside a directory that a file replaces (y/locked): with
	# --max-delete the plan is counted first, and each error is still
	# said once, by the removal.
	mk
	echo 1 >"$SRC/y"
	mkdir -p "$DST/x/locked" "$DST/y/locked"; echo f >"$DST/x/locked/f"; echo g >"$DST/y/locked/g"
	chown -R nobody "$T"; chmod 755 "$T"
	chown root "$DST/x/locked" "$DST/y/locked"; chmod 000 "$DST/x/locked" "$DST/y/locked"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TREESYNC" -a --delete --max-delete=100 "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
	rc=$?
	chmod 755 "$DST/x/locked" "$DST/y/locked"
	[ $rc = 23 ] || fail "unreadable extraneous dirs: exit $rc, want 23 ($(cat "$T/err"))"
	for p in x/locked y/locked; do
		n=$(grep -c "'$p'" "$T/err")
		[ "$n" = 1 ] || fail "the error about $p said $n times (want once): $(cat "$T/err")"
	done
	chown -R root "$T"
fi

# An empty source root must not wipe a mirror (unmounted NFS).
mk
rm -rf "$SRC"; mkdir "$SRC"
"$TREESYNC" -a --delete "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 26 ] || fail "empty source with --delete: exit $rc, want 26"
[ "$(count)" = 3 ] || fail "empty source with --delete deleted files"
grep -q "allow-empty-source" "$T/err" || fail "refusal message does not name --allow-empty-source"
"$TREESYNC" -a --delete --allow-empty-source "$SRC/" "$DST/" >"$T/out" 2>"$T/err" ||
	fail "--allow-empty-source: exit $?"
[ -z "$(ls -A "$DST")" ] || fail "--allow-empty-source did not empty DEST"

# --max-delete: over the limit nothing at all is deleted (rsync deletes N).
mk
"$TREESYNC" -a --delete --max-delete=2 "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 25 ] || fail "--max-delete=2 with 4 deletions: exit $rc, want 25"
[ "$(count)" = 3 ] && [ -d "$DST/zz" ] || fail "--max-delete over the limit deleted something"
[ -f "$DST/a/two" ] || fail "--max-delete stopped the transfer too"
"$TREESYNC" -a --delete --max-delete=4 "$SRC/" "$DST/" >"$T/out" 2>"$T/err" ||
	fail "--max-delete=4 with 4 deletions: exit $?"
[ "$(count)" = 0 ] || fail "--max-delete within the limit did not delete"
mk
"$TREESYNC" -a --delete --max-delete=10% "$SRC/" "$DST/" >"$T/out" 2>"$T/err"
[ $? = 25 ] || fail "--max-delete=10% should refuse 4 of ~8"

# Temp files of a killed run are removed; look-alike dot-files are data.
mk
: >"$DST/a/.two.AbC123.tstmp"; : >"$DST/.keep.AbC123"; : >"$DST/.one.x.tstmp"
"$TREESYNC" -a "$SRC/" "$DST/" >"$T/out" 2>"$T/err" || fail "sweep run: exit $?"
[ ! -e "$DST/a/.two.AbC123.tstmp" ] || fail "stale temp file not removed"
[ -e "$DST/.keep.AbC123" ] && [ -e "$DST/.one.x.tstmp" ] || fail "a file that is not treesync's temp was removed"
pass
