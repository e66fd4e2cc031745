#!/bin/bash
# Options rsync command lines carry that have no meaning in a local copy
# (remote shell, protocol, compression, checksum choice, buffering,
# --max-alloc, --inc-recursive) are taken and change nothing, exactly where
# rsync takes them; the values rsync refuses are refused with rsync's exit
# codes (1 usage, 2 protocol, 4 unknown algorithm); --stderr=all moves the
# informational lines to stderr.
. "$(dirname "$0")/lib.sh"
describe "accepted-and-ignored options give rsync's result; bad values give rsync's exit codes (1, 2, 4); --stderr=all"

make_mixed_tree "$SRC"

while read -r opts; do
    [ -n "$opts" ] || continue
    # shellcheck disable=SC2086
    run_both -ai $opts -- "$SRC/" "$DST"
    assert_same_result
done <<'EOF'
-z
--compress --compress-level=9
-zz
--zc=zstd --zl=3
--compress-choice=zlib
--zc=none
--compress-threads=2
--skip-compress=gz/jpg
--old-compress
--new-compress
--no-compress
-z --no-z
-e ssh
--rsh=false
--rsync-path=/usr/bin/rsync
-M --numeric-ids
--remote-option=-t
--blocking-io
--no-blocking-io
--no-motd
--trust-sender
--old-dirs
--old-d --delete
--old-dirs --include=/a/b
--old-dirs --no-d
-d --old-d
-s
-avse ssh
--secluded-args --no-secluded-args
--protect-args --no-protect-args --no-s
--old-args --no-old-args
--partial
--partial --no-partial
--protocol=31
--protocol=32
--cc=xxh128
--checksum-choice=auto
--cc=xxh128,xxh128
-c --checksum-choice=xxh128
--checksum-seed=42
--max-alloc=1G
--max-alloc=1MiB
--max-alloc=1.5M
--outbuf=L
--outbuf=none
--outbuf=Block
--inc-recursive
--i-r --no-i-r
--no-inc-recursive
--stderr=errors
--stderr=e
--stderr=c
--msgs2stderr --no-msgs2stderr
--timeout=60 --no-timeout
--no-contimeout
--contimeout=0
--contimeout=5 --no-contimeout
EOF

# Refused, with rsync's exit codes; nothing is made.
while read -r code opts; do
    [ -n "$code" ] || continue
    # shellcheck disable=SC2086
    run_both -a $opts -- "$SRC/" "$T/never"
    assert_rc rsync "$code"
    assert_same_output
    [ ! -e "$T/never" ] || fail "$opts: DEST was made"
done <<'EOF'
1 --max-alloc=1x
1 --max-alloc=999K
1 --max-alloc=1MB
1 --max-alloc=1Mi
1 --outbuf=X
1 --stderr=foo
1 --stderr=
1 --no-r --delete
1 --no-r --delete-excluded
4 --zc=foo
4 --compress-choice=gzip
4 --cc=foo
4 --checksum-choice=xxh128,bogus
2 --protocol=99
2 --protocol=10
1 --compress-level=x
1 --stop-after=0
1 --stop-after=x
1 --stop-at=2000-01-01T00:00
1 --stop-at=25:61
1 --stop-at=soon
1 --contimeout=5
1 --contimeout=-1
1 --contimeout=x
EOF

# Where treesync differs on purpose (README): --max-alloc=0 is refused (as
# rsync's development tree does), another checksum than xxh128 too.
for opts in --max-alloc=0 --cc=md5 --checksum-choice=xxh64; do
    run_ts -a "$opts" -- "$SRC/" "$T/never"
    want=1; [ "$opts" = --max-alloc=0 ] || want=4
    [ "$TS_RC" = "$want" ] || fail "$opts: exit $TS_RC, want $want"
    grep -q . "$T/treesync.err" || fail "$opts: no message"
    [ ! -e "$T/never" ] || fail "$opts: DEST was made"
done
grep -q 'max-alloc must be greater than zero' <("$TREESYNC" --max-alloc=0 a b 2>&1) ||
    fail "--max-alloc=0: not rsync's message"

# -M OPT is an option of the receiving side, which here is this process:
# rsync's -M--log-file=F logs the items there, rsync's -M--bogus fails.
run_both -a -M"--log-file=$T/mlog.DEST" -- "$SRC/" "$DST"
[ "$RS_RC" = 0 ] && [ "$TS_RC" = 0 ] || fail "-M--log-file: exit $TS_RC, rsync $RS_RC"
# (both tools write to their own copy: DEST was mapped... no, the path is
# outside DEST, so they took turns: the log holds both runs' lines.)
[ "$(grep -c '\] >f+++++++++ a/top.txt$' "$T/mlog.DEST")" = 2 ] ||
    { note_file "$T/mlog.DEST"; fail "-M--log-file: the item is not logged by both"; }
run_both -a -M--bogus-option -- "$SRC/" "$T/never"
[ "$RS_RC" != 0 ] && [ "$TS_RC" = 1 ] || fail "-M--bogus-option: exit $TS_RC (rsync $RS_RC)"
[ ! -e "$T/never" ] || fail "-M--bogus-option: DEST was made"

# --stderr=all: the informational lines go to stderr, nothing to stdout.
run_both -av --stderr=all -- "$SRC/" "$DST"
[ "$RS_RC" = "$TS_RC" ] || fail "--stderr=all: exit $TS_RC, rsync $RS_RC"
[ ! -s "$T/rsync.out" ] || fail "harness: rsync --stderr=all wrote to stdout"
[ ! -s "$T/treesync.out" ] || { note_file "$T/treesync.out"; fail "--stderr=all: treesync wrote to stdout"; }
for tag in rsync treesync; do
    mv "$T/$tag.err" "$T/$tag.out"
done
assert_same_output
assert_same_tree "$RS_DST" "$TS_DST"
pass
