#!/bin/bash
# ST-02 Planted symlinks in DEST, static (G2).
#
# DEST holds, before the run:
#   file     -> OUTSIDE/victim      (SRC: regular file `file`)
#   dir      -> OUTSIDE/vdir        (SRC: directory dir/ with x, and sub/y)
#   a/b      -> OUTSIDE/vb          (SRC: a/b/c; a/ is a real dir)
#   gone     -> OUTSIDE/gonedir     (not in SRC: extraneous)
#   dangling -> /nonexistent/x      (not in SRC)
#   selfloop -> selfloop            (not in SRC)
#   loopdir  -> loopdir             (SRC: directory loopdir/ with y)
#   lnk      -> OUTSIDE/victim      (SRC: symlink lnk -> elsewhere)
#   fifo     -> OUTSIDE/victim      (SRC: a FIFO)
# Runs (each on fresh plants): -a --delete; -a -I (no delete); -r only;
# -a --delete -n (dry run: nothing may change at all).
# Pass: OUTSIDE unchanged (entries, content, mode, owner, mtime, ctime);
# exit 0; the plants replaced by the source's objects (never followed):
# DEST == SRC (-a --delete; mtimes to the second) / the named entries
# correct (other modes).  Not covered: a symlink pre-planted at the tool's
# would-be temp name (the name is random; temps are created with
# O_CREAT|O_EXCL|O_NOFOLLOW, which a plant can only make retry).
. "$(dirname "$0")/lib.sh"
cond "symlinks planted in DEST (file, dir, parent, extraneous, dangling, loops): never followed; OUTSIDE unchanged; plants replaced; exit 0"
need_treesync
build_helpers

mkdir -p "$T/src/dir/sub" "$T/src/a/b" "$T/src/loopdir"
echo SRCFILE >"$T/src/file"
echo x >"$T/src/dir/x"
echo y >"$T/src/dir/sub/y"
echo c >"$T/src/a/b/c"
echo y >"$T/src/loopdir/y"
ln -s elsewhere "$T/src/lnk"
mkfifo "$T/src/fifo"
chmod 600 "$T/src/file"
touch -d '2010-01-01' "$T/src/file" "$T/src/dir/x" "$T/src/a/b/c"

mkdir -p "$T/outside/vdir/sub" "$T/outside/vb" "$T/outside/gonedir"
echo VICTIM >"$T/outside/victim"
echo "OUTSIDE x" >"$T/outside/vdir/x"
echo "OUTSIDE y" >"$T/outside/vdir/sub/y"
echo "OUTSIDE c" >"$T/outside/vb/c"
echo "OUTSIDE g" >"$T/outside/gonedir/g"
find "$T/outside" -exec touch -h -d '2000-01-01' {} +
H snap -c "$T/outside" >"$T/outside.before"

plant() {
    rm -rf "$T/dst"
    mkdir -p "$T/dst/a"
    ln -s "$T/outside/victim" "$T/dst/file"
    ln -s "$T/outside/vdir" "$T/dst/dir"
    ln -s "$T/outside/vb" "$T/dst/a/b"
    ln -s "$T/outside/gonedir" "$T/dst/gone"
    ln -s /nonexistent/x "$T/dst/dangling"
    ln -s selfloop "$T/dst/selfloop"
    ln -s loopdir "$T/dst/loopdir"
    ln -s "$T/outside/victim" "$T/dst/lnk"
    ln -s "$T/outside/victim" "$T/dst/fifo"
}

runs=0 escaped=0 wrong=0 bad_rc=0
outside_ok() {   # outside_ok WHAT
    if ! diff "$T/outside.before" <(H snap -c "$T/outside") >"$T/o.diff"; then
        escaped=$((escaped + 1)); note "$1: OUTSIDE changed"; note_file "$T/o.diff" 8
        find "$T/outside" -exec touch -h -d '2000-01-01' {} +   # keep going
        H snap -c "$T/outside" >"$T/outside.before"
    fi
}
expect_rc() {    # expect_rc WHAT WANT
    if [ "$RC" != "$2" ]; then bad_rc=$((bad_rc + 1)); note "$1: exit $RC, expected $2"; note_file "$T/err" 4; fi
}
entry_is() {     # entry_is WHAT PATH TYPE [CONTENT]
    local what=$1 p=$2 type=$3
    if [ -L "$T/dst/$p" ] && [ "$type" != l ]; then
        wrong=$((wrong + 1)); note "$what: $p is still a symlink"; return
    fi
    case $type in
        f) [ -f "$T/dst/$p" ] && [ "$(cat "$T/dst/$p")" = "$4" ] || { wrong=$((wrong + 1)); note "$what: $p is not the source file"; } ;;
        d) [ -d "$T/dst/$p" ] || { wrong=$((wrong + 1)); note "$what: $p is not a directory"; } ;;
        l) [ "$(readlink "$T/dst/$p")" = "$4" ] || { wrong=$((wrong + 1)); note "$what: $p is not the source's symlink"; } ;;
        p) [ -p "$T/dst/$p" ] || { wrong=$((wrong + 1)); note "$what: $p is not a FIFO"; } ;;
        -) { [ -e "$T/dst/$p" ] || [ -L "$T/dst/$p" ]; } && { wrong=$((wrong + 1)); note "$what: $p still exists"; } ;;
    esac
}

# 1. -a --delete: DEST must become SRC.
plant
ts "$T/out" "$T/err" -a --delete "$T/src/" "$T/dst/"
runs=$((runs + 1))
expect_rc "-a --delete" 0
outside_ok "-a --delete"
same_tree "$T/src" "$T/dst" -s || { wrong=$((wrong + 1)); note "-a --delete: DEST != SRC"; }

# 2. -a -I, no --delete: plants in the way replaced, extraneous ones kept.
plant
ts "$T/out" "$T/err" -a -I "$T/src/" "$T/dst/"
runs=$((runs + 1))
expect_rc "-a -I" 0
outside_ok "-a -I"
entry_is "-a -I" file f SRCFILE
entry_is "-a -I" dir/x f x
entry_is "-a -I" dir/sub/y f y
entry_is "-a -I" a/b/c f c
entry_is "-a -I" loopdir/y f y
entry_is "-a -I" lnk l elsewhere
entry_is "-a -I" fifo p
[ -L "$T/dst/gone" ] || { wrong=$((wrong + 1)); note "-a -I: extraneous link gone removed without --delete"; }

# 3. -r only (no links, no perms, no times).
plant
ts "$T/out" "$T/err" -r "$T/src/" "$T/dst/"
runs=$((runs + 1))
expect_rc "-r" 0
outside_ok "-r"
entry_is "-r" file f SRCFILE
entry_is "-r" dir/x f x
entry_is "-r" a/b/c f c
entry_is "-r" loopdir/y f y

# 4. dry run: nothing changes anywhere.
plant
H snap -c "$T/dst" >"$T/dst.before"
ts "$T/out" "$T/err" -a --delete -n -i "$T/src/" "$T/dst/"
runs=$((runs + 1))
expect_rc "-n" 0
outside_ok "-n"
diff -q "$T/dst.before" <(H snap -c "$T/dst") >/dev/null || { wrong=$((wrong + 1)); note "-n: DEST changed in a dry run"; }

result runs="$runs" outside_changed="$escaped" wrong_results="$wrong" bad_exit="$bad_rc"
[ "$escaped" = 0 ] || check_fail "OUTSIDE changed in $escaped run(s)"
[ "$wrong" = 0 ] || check_fail "$wrong wrong destination result(s)"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc wrong exit code(s)"
verdict "$runs runs: no plant followed, OUTSIDE unchanged, plants replaced"
