#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "what kill -9 leaves with --inplace, -S --inplace and --append is what the man page says (same inode, new data up to where writing stopped then the old data; with -S a prefix of the source; with --append a prefix of the source; an mtime that is not the source's; no temp file), and the next run completes each file"

# Three 8 MiB sources, copied at 1 MiB/s so that the kill lands in the
# middle: f over an old 8 MiB file, s the same with -S, a over its
# source's first MiB (--append).
mkdir -p "$SRC" "$DST"
for f in f s a; do mkdata "$SRC/$f" $((8 << 20)); done
mkdata "$DST/f" $((8 << 20))
mkdata "$DST/s" $((8 << 20))
head -c $((1 << 20)) "$SRC/a" >"$DST/a"
stamp "$SRC"
stamp "$DST" 1400000000
cp -p "$DST/f" "$T/old-f"

# killed NAME OPTS...: NAME alone, killed after about 2.5 s of copying.
killed() {
    local name=$1
    shift
    bg_start "$TREESYNC" -a --bwlimit=1M "$@" --include="$name" --exclude='*' "$SRC/" "$DST/"
    sleep 2.5
    alive "$BG" || fail "$*: the copy of $name ended before the kill (too fast to test)"
    kill -9 "$BG"
    wait_pid "$BG"
}
# prefix_len A B: the length of the common prefix of files A and B.
prefix_len() {
    local d
    d=$(cmp -- "$1" "$2" 2>/dev/null | awk '{ print $5 }' | tr -d ,)
    [ -n "$d" ] && echo $((d - 1)) || stat -c %s -- "$1"
}
# same_mtime A B
same_mtime() { [ "$(stat -c %Y.%y -- "$1")" = "$(stat -c %Y.%y -- "$2")" ]; }

ino_f=$(stat -c %i "$DST/f") ino_s=$(stat -c %i "$DST/s") ino_a=$(stat -c %i "$DST/a")

# --inplace: the new bytes, then the old ones, at the old size.
killed f --inplace
[ "$(stat -c %i "$DST/f")" = "$ino_f" ] || fail "--inplace: the killed file has another inode"
n=$(prefix_len "$DST/f" "$SRC/f")
[ "$n" -gt 0 ] && [ "$n" -lt $((8 << 20)) ] || fail "--inplace: $n new bytes after the kill (expected part of the file)"
cmp -s -i "$n" "$DST/f" "$T/old-f" || fail "--inplace: after the first $n new bytes the file is not the old data"
same_mtime "$DST/f" "$SRC/f" && fail "--inplace: the killed file has the source's mtime (the next run would skip it)"
no_temps "$DST"
note "--inplace: killed after $n of $((8 << 20)) bytes: new data, then the old"

# -S --inplace: the file was cut to 0 first, so it is a prefix.
killed s --inplace -S
[ "$(stat -c %i "$DST/s")" = "$ino_s" ] || fail "-S --inplace: the killed file has another inode"
n=$(stat -c %s "$DST/s")
[ "$n" -lt $((8 << 20)) ] || fail "-S --inplace: the killed file is $n bytes (expected cut where writing stopped)"
cmp -s -n "$n" "$DST/s" "$SRC/s" || fail "-S --inplace: the killed file is not a prefix of the source"
same_mtime "$DST/s" "$SRC/s" && fail "-S --inplace: the killed file has the source's mtime"

# --append: the old bytes and part of the tail, in order.
killed a --append
[ "$(stat -c %i "$DST/a")" = "$ino_a" ] || fail "--append: the killed file has another inode"
n=$(stat -c %s "$DST/a")
[ "$n" -gt $((1 << 20)) ] && [ "$n" -lt $((8 << 20)) ] || fail "--append: the killed file is $n bytes (expected part of the tail)"
cmp -s -n "$n" "$DST/a" "$SRC/a" || fail "--append: the killed file is not a prefix of the source"
note "--append: killed at $n of $((8 << 20)) bytes, a prefix"

# The next runs finish what was left, in place.
"$TREESYNC" -a --inplace --exclude=a "$SRC/" "$DST/" || fail "--inplace rerun: exit $?"
"$TREESYNC" -a --append --include=a --exclude='*' "$SRC/" "$DST/" || fail "--append rerun: exit $?"
for f in f s a; do
    cmp -s "$SRC/$f" "$DST/$f" || fail "rerun: $f is not the source"
    same_mtime "$DST/$f" "$SRC/$f" || fail "rerun: $f has not the source's mtime"
done
[ "$(stat -c %i "$DST/f") $(stat -c %i "$DST/s") $(stat -c %i "$DST/a")" = "$ino_f $ino_s $ino_a" ] ||
    fail "rerun: an inode changed"
pass
