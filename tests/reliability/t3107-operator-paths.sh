#!/bin/bash
# ST-07 Operator paths and symlinks (issue 10, items 11 and 14).
#
# rsync 3.5's rule: a path the operator gives (DEST, --files-from,
# --exclude-from, --include-from, --log-file, --lock=FILE) and a
# per-directory merge file (-F .rsync-filter, -C .cvsignore) is resolved
# one component at a time, and a symlink on the way is followed only when
# root or the effective uid owns it.  Each path is planted as a symlink to
# OUTSIDE, at the last component ("leaf") and as a parent component
# ("parent"), owned by nobody (must be refused: OUTSIDE unchanged, nothing
# read from it) and by root (must be followed, the operator's own link).
# A FIFO planted as .rsync-filter must not hang the run.
. "$(dirname "$0")/lib.sh"
cond "operator paths and merge files: another user's symlink (leaf or parent) never followed, root's followed; a FIFO merge file does not hang"
need_treesync
need_root
build_helpers

S=$T/src
mkdir -p "$S/sub"
echo canary >"$S/canary"
echo other >"$S/sub/other"
wrong=0 refused=0 followed=0

# plant KIND OWNER WHERE: makes $T/p.KIND.OWNER.WHERE (a path through a
# symlink owned by OWNER to $T/out.KIND.OWNER.WHERE); sets P (the path to
# give) and O (the outside directory).
plant() {
    O=$T/out.$1.$2.$3
    mkdir -p "$O"
    local base=$T/p.$1.$2.$3
    mkdir -p "$base"
    if [ "$3" = leaf ]; then
        ln -s "$O/$4" "$base/link"; P=$base/link
    else
        ln -s "$O" "$base/link"; P=$base/link/$4
    fi
    chown -h "$2" "$base/link"
}
judge() {	# judge NAME OWNER FOLLOWED(0/1)
    if [ "$2" = nobody ]; then
        [ "$3" = 0 ] && refused=$((refused + 1)) || { wrong=$((wrong + 1)); note "$1: another user's symlink was FOLLOWED"; note_file "$T/err" 3; }
    else
        [ "$3" = 1 ] && followed=$((followed + 1)) || { wrong=$((wrong + 1)); note "$1: root's own symlink was not followed (exit $RC)"; note_file "$T/err" 3; }
    fi
}

for owner in nobody root; do
    for where in leaf parent; do
        # DEST.
        plant dest $owner $where d
        mkdir -p "$O/d"
        ts "$T/out" "$T/err" -a "$S/" "$P/"
        f=0; [ -e "$O/d/canary" ] || [ -e "$O/canary" ] && f=1
        judge "DEST $where" $owner $f
        [ "$owner" = nobody ] && [ "$RC" != 3 ] && { wrong=$((wrong + 1)); note "DEST refused: exit $RC, rsync's is 3"; }

        # --files-from (the list names canary).
        plant ff $owner $where list
        echo canary >"$O/list"
        rm -rf "$T/dst"; ts "$T/out" "$T/err" -a --files-from="$P" "$S/" "$T/dst/"
        f=0; [ -e "$T/dst/canary" ] && f=1
        judge "--files-from $where" $owner $f

        for opt in exclude-from include-from; do
            plant $opt $owner $where rules
            if [ "$opt" = exclude-from ]; then echo canary >"$O/rules"; else printf '+ canary\n- *\n' >"$O/rules"; fi
            rm -rf "$T/dst"; ts "$T/out" "$T/err" -a --"$opt"="$P" "$S/" "$T/dst/"
            f=0
            if [ "$opt" = exclude-from ]; then [ "$RC" = 0 ] && [ ! -e "$T/dst/canary" ] && f=1
            else [ "$RC" = 0 ] && [ ! -e "$T/dst/sub" ] && f=1; fi
            judge "--$opt $where" $owner $f
        done

        # --log-file: refused is a warning; the run goes on (exit 0).
        plant log $owner $where log
        rm -rf "$T/dst"; ts "$T/out" "$T/err" -a --log-file="$P" "$S/" "$T/dst/"
        f=0; [ -s "$O/log" ] && f=1
        judge "--log-file $where" $owner $f
        [ "$RC" = 0 ] || { wrong=$((wrong + 1)); note "--log-file $where ($owner): exit $RC, rsync's is 0"; }

        # --lock=FILE.
        plant lock $owner $where lk
        rm -rf "$T/dst"; ts "$T/out" "$T/err" -a --lock="$P" "$S/" "$T/dst/"
        f=0; [ -e "$O/lk" ] && f=1
        judge "--lock $where" $owner $f

        # Per-directory merge files: -F and -C (leaf only: they are names
        # in a source directory).
        if [ "$where" = leaf ]; then
            for mf in .rsync-filter .cvsignore; do
                rm -rf "$T/src2"; cp -a "$S" "$T/src2"
                mkdir -p "$T/mout.$owner"
                if [ "$mf" = .rsync-filter ]; then echo '- canary' >"$T/mout.$owner/r"; fl=-F; else echo canary >"$T/mout.$owner/r"; fl=-C; fi
                ln -s "$T/mout.$owner/r" "$T/src2/$mf"; chown -h "$owner" "$T/src2/$mf"
                rm -rf "$T/dst"; ts "$T/out" "$T/err" -a $fl "$T/src2/" "$T/dst/"
                f=0; [ ! -e "$T/dst/canary" ] && f=1
                judge "$mf symlink" $owner $f
                if [ "$owner" = nobody ] && [ "$RC" != 23 ]; then wrong=$((wrong + 1)); note "$mf refused: exit $RC, expected 23 (reported, no deletion)"; fi
                if [ "$owner" = root ] && [ "$RC" != 0 ]; then wrong=$((wrong + 1)); note "$mf root's symlink: exit $RC"; note_file "$T/err" 3; fi
            done
        fi
    done
done

# --insecure-links follows another user's symlink (DEST, --log-file,
# --exclude-from, a .rsync-filter).
ins=0
plant dest ins leaf d; mkdir -p "$O/d"; chown -h nobody "$T/p.dest.ins.leaf/link"
ts "$T/out" "$T/err" -a --insecure-links "$S/" "$P/"
[ -e "$O/d/canary" ] && ins=$((ins + 1)) || note "--insecure-links: DEST not followed (exit $RC)"
plant log ins leaf log; chown -h nobody "$T/p.log.ins.leaf/link"
rm -rf "$T/dst"; ts "$T/out" "$T/err" -a --insecure-links --log-file="$P" "$S/" "$T/dst/"
[ -s "$O/log" ] && ins=$((ins + 1)) || note "--insecure-links: --log-file not followed"
plant excl ins leaf rules; echo canary >"$O/rules"; chown -h nobody "$T/p.excl.ins.leaf/link"
rm -rf "$T/dst"; ts "$T/out" "$T/err" -a --insecure-links --exclude-from="$P" "$S/" "$T/dst/"
[ "$RC" = 0 ] && [ ! -e "$T/dst/canary" ] && ins=$((ins + 1)) || note "--insecure-links: --exclude-from not followed (exit $RC)"
rm -rf "$T/src2"; cp -a "$S" "$T/src2"; echo '- canary' >"$T/mout.ins"
ln -s "$T/mout.ins" "$T/src2/.rsync-filter"; chown -h nobody "$T/src2/.rsync-filter"
rm -rf "$T/dst"; ts "$T/out" "$T/err" -a -F --insecure-links "$T/src2/" "$T/dst/"
[ "$RC" = 0 ] && [ ! -e "$T/dst/canary" ] && ins=$((ins + 1)) || note "--insecure-links: .rsync-filter not followed (exit $RC)"
[ "$ins" = 4 ] || wrong=$((wrong + 1))

# A FIFO as .rsync-filter: an error for that directory, never a hang.
rm -rf "$T/src3"; cp -a "$S" "$T/src3"; mkfifo "$T/src3/sub/.rsync-filter"
rm -rf "$T/dst"; CMD_TIMEOUT=20 ts "$T/out" "$T/err" -a -F "$T/src3/" "$T/dst/"
hung=0
[ "$RC" = 124 ] || [ "$RC" = 137 ] && { hung=1; wrong=$((wrong + 1)); note "a FIFO .rsync-filter hung the run"; }
[ "$hung" = 0 ] && [ "$RC" != 23 ] && { wrong=$((wrong + 1)); note "a FIFO .rsync-filter: exit $RC, expected 23"; }

result refused="$refused/14" followed="$followed/14" insecure_followed="$ins/4" wrong="$wrong" fifo_hang="$hung"
[ "$wrong" = 0 ] || check_fail "$wrong wrong outcome(s)"
verdict "another user's symlinks refused on every operator path ($refused), root's followed ($followed); FIFO merge file: no hang"
