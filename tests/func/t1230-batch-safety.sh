#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--read-batch safety: a DEST symlink planted where the batch has a directory is replaced as rsync replaces it (nothing written through it); a truncated, corrupted or crafted batch (a '..' entry, a link out) is refused whole with exit 12 before DEST is touched, no temp and no staging tree left; a FIFO as the batch file is refused (exit 11) without blocking"

mkdir -p "$SRC/sub/deeper"
printf 'one\n' >"$SRC/sub/one"
mkdata "$SRC/sub/deeper/big" 300000
printf 'top\n' >"$SRC/top"
stamp "$SRC"
mkdir -p "$DST/sub"
printf 'old one\n' >"$DST/sub/one"
printf 'extra\n' >"$DST/extra"
stamp "$DST" 1400000000

# Each tool's batch of the same run (DEST left as it was).
"$RSYNC" -a --delete --only-write-batch="$T/RB" "$SRC/" "$DST/" >/dev/null ||
	fail "scenario: rsync --only-write-batch failed"
"$TREESYNC" -a --delete --only-write-batch="$T/TB" "$SRC/" "$DST/" >/dev/null ||
	fail "--only-write-batch failed"

# A symlink planted where the batch makes a directory (sub/deeper) and
# where it updates one (sub): replaced by directories, as rsync does,
# and nothing written where they pointed.
mkdir -p "$T/outside"
ln -s "$T/outside" "$DST/sub/deeper"
_reset_outputs
_run_one rsync "$RSYNC" "$RS_DST" -ai --delete --read-batch="$T/RB" -- "$DST/"
_run_one treesync "$TREESYNC" "$TS_DST" -ai --delete --read-batch="$T/TB" -- "$DST/"
RS_RC=$(cat "$T/rsync.rc")
TS_RC=$(cat "$T/treesync.rc")
assert_same_result
[ -z "$(ls -A "$T/outside")" ] || fail "written through the planted symlink: $(ls "$T/outside")"
[ -d "$TS_DST/sub/deeper" ] && [ ! -L "$TS_DST/sub/deeper" ] ||
	fail "the planted symlink was not replaced by a directory"
rm "$DST/sub/deeper"

# refused NAME FILE CODE: --read-batch=FILE into a copy of DEST exits CODE,
# changes nothing, leaves no temp and no staging tree.
snap "$DST" >"$T/before"
refused() {
	local name=$1 file=$2 code=$3
	rm -rf "$T/stage" "$T/r"
	mkdir "$T/stage"
	cp -a "$DST" "$T/r"
	TMPDIR=$T/stage timeout -k 5 20 "$TREESYNC" -ai --delete --read-batch="$file" "$T/r/" \
		>"$T/out" 2>"$T/err" </dev/null
	local rc=$?
	[ "$rc" = "$code" ] || { note_file "$T/err"; fail "$name: exit $rc, expected $code"; }
	[ -s "$T/err" ] || fail "$name: no message"
	[ -s "$T/out" ] && { note_file "$T/out"; fail "$name: printed changes"; }
	snap "$T/r" >"$T/after"
	assert_snap_equal "$T/before" "$T/after" "$name: DEST changed"
	[ "$(count_temps "$T/r")" = 0 ] || fail "$name: temp files left"
	[ -z "$(ls -A "$T/stage")" ] || fail "$name: staging left: $(ls "$T/stage")"
}

size=$(stat -c %s "$T/TB")
# (The last 1024 bytes are tar's end marker, after the manifest's end:
# without them nothing is missing.  Every cut before them loses data.)
for cut in 100 1024 $((size / 2)) $((size - 1100)) $((size - 1600)); do
	head -c "$cut" "$T/TB" >"$T/cut"
	refused "truncated at $cut of $size bytes" "$T/cut" 12
done
: >"$T/empty"
refused "an empty batch" "$T/empty" 12
head -c 5000 /dev/urandom >"$T/garbage"
refused "random bytes" "$T/garbage" 12
# One byte of a file's contents changed (the tar headers stay valid).
"$PYTHON" - "$T/TB" "$SRC/sub/deeper/big" "$T/flip" <<'EOF' || fail "scenario: cannot flip a byte"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(open(sys.argv[2], "rb").read()[:64])
assert i > 0
b[i + 1000] ^= 0x20
open(sys.argv[3], "wb").write(b)
EOF
refused "a changed byte of contents" "$T/flip" 12

# Crafted archives: an entry leaving DEST, a hard link out, no DEST entry
# first, an entry after the manifest.
"$PYTHON" - "$T" <<'EOF' || fail "scenario: cannot craft the archives"
import io, sys, tarfile
t = sys.argv[1]
def mk(name, entries):
    with tarfile.open(f"{t}/{name}", "w", format=tarfile.PAX_FORMAT) as tf:
        for n, kind, data in entries:
            ti = tarfile.TarInfo(n)
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tf.addfile(ti)
            elif kind == "link":
                ti.type = tarfile.LNKTYPE
                ti.linkname = data
                tf.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                tf.addfile(ti, io.BytesIO(data))
man = b"treesync batch 1\nflags 1\nend\n"
mk("dotdot", [("d", "dir", None), ("d/../../escaped", "file", b"x"), ("manifest", "file", man)])
mk("abs", [("d", "dir", None), ("/tmp/escaped-abs", "file", b"x"), ("manifest", "file", man)])
mk("linkout", [("d", "dir", None), ("d/l", "link", "/etc/passwd"), ("manifest", "file", man)])
mk("noroot", [("d/x", "file", b"x"), ("manifest", "file", man)])
mk("after", [("d", "dir", None), ("manifest", "file", man), ("d/x", "file", b"x")])
mk("nosum", [("d", "dir", None), ("d/x", "file", b"x"), ("manifest", "file", man)])
EOF
for c in dotdot abs linkout noroot after nosum; do
	refused "crafted: $c" "$T/$c" 12
done
[ -e "$T/escaped" ] || [ -e /tmp/escaped-abs ] && fail "a crafted entry was written out of the staging tree"

# A FIFO as the batch file: refused at once (never read, never blocks).
mkfifo "$T/fifo"
refused "a FIFO" "$T/fifo" 11
grep -q 'is not a regular file' "$T/err" || fail "FIFO: $(cat "$T/err")"

# The intact batch still applies (the checks above refuse only damage).
cp -a "$DST" "$T/ok"
"$TREESYNC" -a --delete --read-batch="$T/TB" "$T/ok/" || fail "intact batch: exit $?"
assert_same_tree "$SRC" "$T/ok"
pass
