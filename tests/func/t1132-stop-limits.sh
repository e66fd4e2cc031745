#!/bin/bash
# --stop-at, --stop-after and its alias --time-limit stop a run cleanly:
# at the time, "stopping at requested limit", exit 30 (as rsync); the file
# being copied (throttled by --bwlimit) is not left under its name nor as
# a temp; nothing is deleted (the walk did not finish); what is in DEST is
# whole.  rsync runs the --stop-at case alongside, as the oracle
# (but for the deletion, which rsync makes during the walk).
# Takes up to about 70 s: the limits count in whole minutes.
. "$(dirname "$0")/lib.sh"
describe "--stop-at, --stop-after, --time-limit: exit 30 at the time with rsync's message, no partial file or temp, nothing deleted (rsync --stop-at alongside)"
need_func

mkdir -p "$SRC"
printf 'small\n' >"$SRC/a_small"
mkdata "$SRC/b_big" $((2 << 20))
stamp "$SRC"

# The next minute at least 10 s away, for --stop-at h:m.
now_s=$(date +%s)
at=$(( (now_s / 60 + 1) * 60 ))
[ $((at - now_s)) -ge 10 ] || at=$((at + 60))
hm=$(date -d "@$at" +%H:%M)

# Each run's exit code and end time are written by its own background
# shell as it ends: taken after waiting for the runs in turn, the end of
# --stop-after was the end of the --stop-at runs before it whenever the
# minute of --stop-at came more than 65 s after the start (1 start in 12).
start() {   # start TAG BINARY OPTS...: in the background, in $T/TAG.dst
    local tag=$1 bin=$2; shift 2
    mkdir -p "$T/$tag.dst"
    printf 'extra\n' >"$T/$tag.dst/zz_extra"
    {
        (cd "$T" && exec timeout -k 5 150 "$bin" -a --delete --bwlimit=8 "$@" \
            "$SRC/" "$T/$tag.dst/") </dev/null >"$T/$tag.out" 2>"$T/$tag.err"
        echo $? >"$T/$tag.rc"
        date +%s >"$T/$tag.end"
    } &
    eval "PID_$tag=\$!"
}
start rs "$RSYNC" --stop-at="$hm"
start at "$TREESYNC" --stop-at="$hm"
start after "$TREESYNC" --stop-after=1
start limit "$TREESYNC" --time-limit=1
t0=$(date +%s)
for tag in rs at after limit; do
    eval "wait \$PID_$tag"
done
note "--stop-at=$hm ($((at - t0)) s after the start)"

for tag in rs at after limit; do
    rc=$(cat "$T/$tag.rc")
    D=$T/$tag.dst
    [ "$rc" = 30 ] || { note_file "$T/$tag.err"; fail "$tag: exit $rc, want 30"; }
    grep -q 'stopping at requested limit' "$T/$tag.err" ||
        { note_file "$T/$tag.err"; fail "$tag: not rsync's message"; }
    [ ! -e "$D/b_big" ] || fail "$tag: the file stopped half-way is in DEST"
    [ -z "$(find "$D" -name '.b_big*')" ] || { ls -la "$D" >&2; fail "$tag: a temp file is left"; }
    # rsync deletes during the walk (its zz_extra is gone); treesync
    # only after a finished one (README).
    [ "$tag" = rs ] && continue
    [ -e "$D/zz_extra" ] || fail "$tag: an extraneous file was deleted"
    # What is in DEST is whole (the order of the copies is treesync's).
    for f in "$D"/*; do
        [ "$f" = "$D/zz_extra" ] && continue
        cmp -s "$SRC/${f##*/}" "$f" || fail "$tag: ${f##*/} in DEST is not the source's"
    done
    no_temps "$D"
done
# The times: --stop-at at its minute, the others 60 s after their start.
for tag in at after limit; do
    end=$(cat "$T/$tag.end")
    want=$at; [ "$tag" = at ] || want=$((t0 + 60))
    [ "$end" -ge $((want - 1)) ] && [ "$end" -le $((want + 5)) ] ||
        fail "$tag: ended at $((end - t0)) s, want about $((want - t0)) s"
done
pass
