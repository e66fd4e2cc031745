#!/bin/bash
# RT-06 Incomplete source listing suppresses deletion (G3), decided before
# any delete.
#
# SRC: aaa/ locked/ zzz/ (+ a nested aaa/mid/locked2/ in the second case),
# all owned by nobody; `locked` is mode 000 and treesync runs as nobody
# (root bypasses permissions).  DEST was synced before, then got an
# extraneous entry at the top, in every subdirectory (before and after the
# unreadable one in walk order) and inside the unreadable directory's
# counterpart, which also holds the good copy `locked/secret`.
#   --delete (and every deletion-timing alias the tool accepts):
#       exit 23, no deletion anywhere, DEST/locked untouched (snapshot incl.
#       ctime), the other changes still made, a message naming `locked`.
#   --delete --ignore-errors:
#       extraneous entries deleted except inside locked/ (never pruned).
# rsync (as the binary under test) fails this: it deletes in directories
# walked before the error.
. "$(dirname "$0")/lib.sh"
cond "unreadable source dir + --delete: exit 23, 0 deletions anywhere, DEST copy of the dir untouched; --ignore-errors: deletes only outside it"
need_root
need_cmd setpriv util-linux
need_treesync
build_helpers
setpriv --reuid=nobody --regid=nogroup --clear-groups "$TREESYNC" --version >/dev/null 2>&1 ||
    skip "nobody cannot run $TREESYNC (check the permissions of its path)"

# setup NESTED: builds $T/src and $T/dst (owned by nobody), locks the dirs.
setup() {
    local nested=$1
    rm -rf "$T/src" "$T/dst"
    mkdir -p "$T/src/aaa/mid" "$T/src/locked/sub" "$T/src/zzz"
    echo a1 >"$T/src/aaa/a1"
    echo secret >"$T/src/locked/secret"
    echo x >"$T/src/locked/sub/x"
    echo z1 >"$T/src/zzz/z1"
    echo top >"$T/src/top"
    if [ "$nested" = 1 ]; then
        mkdir -p "$T/src/aaa/mid/locked2"
        echo l2 >"$T/src/aaa/mid/locked2/l2"
    fi
    mkdir "$T/dst"
    chown -R nobody:nogroup "$T/src" "$T/dst"
    ts_nobody "$T/out" "$T/err" -a "$T/src/" "$T/dst/"
    [ "$RC" = 0 ] || { note_file "$T/err"; fail "initial sync as nobody: exit $RC"; }
    # Extraneous entries everywhere, and a changed source file elsewhere.
    echo e >"$T/dst/top_extra"
    echo e >"$T/dst/aaa/aaa_extra"
    mkdir -p "$T/dst/aaa/old_dir" && echo e >"$T/dst/aaa/old_dir/f"
    echo e >"$T/dst/locked/locked_extra"
    echo e >"$T/dst/locked/sub/sub_extra"
    echo e >"$T/dst/zzz/zzz_extra"
    echo e >"$T/dst/aaa/mid/mid_extra"
    [ "$nested" = 1 ] && echo e >"$T/dst/aaa/mid/locked2/l2_extra"
    chown -R nobody:nogroup "$T/dst"
    echo changed >"$T/src/zzz/z1"
    touch -d '2021-01-01 00:00:00' "$T/src/zzz/z1"
    chown nobody:nogroup "$T/src/zzz/z1"
    chmod 000 "$T/src/locked"
    [ "$nested" = 1 ] && chmod 000 "$T/src/aaa/mid/locked2"
    H snap -c "$T/dst/locked" >"$T/locked.before"
    if [ "$nested" = 1 ]; then H snap -c "$T/dst/aaa/mid/locked2" >"$T/locked2.before"; fi
    find "$T/dst" | sort >"$T/dst.before"
}

extras=(top_extra aaa/aaa_extra aaa/old_dir/f locked/locked_extra locked/sub/sub_extra zzz/zzz_extra aaa/mid/mid_extra)

# Which deletion-timing aliases does the binary accept?
modes=("--delete")
for alias in --delete-before --delete-during --delete-delay --delete-after; do
    mkdir -p "$T/probe/s" "$T/probe/d"
    if "$TREESYNC" -r "$alias" "$T/probe/s/" "$T/probe/d/" >/dev/null 2>&1; then
        modes+=("$alias")
    else
        note "$alias is not accepted by the binary under test: not tested"
    fi
done

runs=0 deleted_total=0 bad_rc=0 locked_changed=0 msg_missing=0 other_not_synced=0
for nested in 0 1; do
    for mode in "${modes[@]}"; do
        setup "$nested"
        ts_nobody "$T/out" "$T/err" -a "$mode" "$T/src/" "$T/dst/"
        runs=$((runs + 1))
        what="nested=$nested $mode"
        [ "$RC" = 23 ] || { bad_rc=$((bad_rc + 1)); note "$what: exit $RC, expected 23"; note_file "$T/err" 5; }
        chmod 755 "$T/src/locked"
        [ "$nested" = 1 ] && chmod 755 "$T/src/aaa/mid/locked2"
        n=0
        for e in "${extras[@]}"; do
            [ -e "$T/dst/$e" ] || { n=$((n + 1)); note "$what: DELETED $e"; }
        done
        if [ "$nested" = 1 ] && [ ! -e "$T/dst/aaa/mid/locked2/l2_extra" ]; then
            n=$((n + 1)); note "$what: DELETED aaa/mid/locked2/l2_extra"
        fi
        deleted_total=$((deleted_total + n))
        if ! diff "$T/locked.before" <(H snap -c "$T/dst/locked") >/dev/null; then
            locked_changed=$((locked_changed + 1)); note "$what: DEST/locked changed"
        fi
        if [ "$nested" = 1 ] && ! diff "$T/locked2.before" <(H snap -c "$T/dst/aaa/mid/locked2") >/dev/null; then
            locked_changed=$((locked_changed + 1)); note "$what: DEST/aaa/mid/locked2 changed"
        fi
        grep -q 'locked' "$T/err" || { msg_missing=$((msg_missing + 1)); note "$what: no message names the unreadable dir"; note_file "$T/err" 5; }
        [ "$(cat "$T/dst/zzz/z1")" = changed ] || { other_not_synced=$((other_not_synced + 1)); note "$what: zzz/z1 was not updated"; }
    done
done

# --ignore-errors: delete where the listing was complete, never inside locked/.
ie_wrong=0
setup 1
ts_nobody "$T/out" "$T/err" -a --delete --ignore-errors "$T/src/" "$T/dst/"
chmod 755 "$T/src/locked" "$T/src/aaa/mid/locked2"
[ "$RC" = 23 ] || { ie_wrong=$((ie_wrong + 1)); note "--ignore-errors: exit $RC, expected 23"; note_file "$T/err" 5; }
for e in top_extra aaa/aaa_extra aaa/old_dir zzz/zzz_extra aaa/mid/mid_extra; do
    [ -e "$T/dst/$e" ] && { ie_wrong=$((ie_wrong + 1)); note "--ignore-errors: $e not deleted"; }
done
for e in locked/locked_extra locked/sub/sub_extra locked/secret locked/sub/x aaa/mid/locked2/l2_extra aaa/mid/locked2/l2; do
    [ -e "$T/dst/$e" ] || { ie_wrong=$((ie_wrong + 1)); note "--ignore-errors: $e DELETED (inside an unreadable dir)"; }
done
diff "$T/locked.before" <(H snap -c "$T/dst/locked") >/dev/null || { ie_wrong=$((ie_wrong + 1)); note "--ignore-errors: DEST/locked changed"; }

result runs="$runs" modes="${#modes[@]}" wrongly_deleted="$deleted_total" bad_exit="$bad_rc" \
    locked_copy_changed="$locked_changed" no_message="$msg_missing" others_not_synced="$other_not_synced" \
    ignore_errors_wrong="$ie_wrong"
[ "$deleted_total" = 0 ] || check_fail "$deleted_total extraneous entrie(s) deleted despite the unreadable source dir"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc run(s) with an exit code other than 23"
[ "$locked_changed" = 0 ] || check_fail "the destination copy of an unreadable dir changed $locked_changed time(s)"
[ "$msg_missing" = 0 ] || check_fail "$msg_missing run(s) without a message naming the unreadable dir"
[ "$other_not_synced" = 0 ] || check_fail "$other_not_synced run(s) stopped syncing other files"
[ "$ie_wrong" = 0 ] || check_fail "--ignore-errors: $ie_wrong wrong outcome(s)"
verdict "$runs runs (${modes[*]}; flat and nested): 0 deletions, exit 23, locked copies untouched; --ignore-errors ok"
