#!/bin/bash
# RT-19 Injected faults on every kind of destination change (G1, G3, G4).
#
# RT-09 fails the data path (write, close, fsync, rename of a file); this
# fails the rest of what the syscall seam (src/sys.h) carries: making the
# DEST root (mkdirat), temp creation (openat), owner/mode/times on an fd
# (fchown, fchmod, futimens) and on a name (fchownat, fchmodat,
# utimensat), xattrs on an fd and on a name (fsetxattr, setxattrat,
# removexattrat), symlinks, nodes and hard links (symlinkat, mknodat,
# linkat), the rename of a symlink into place (renameat), the sparse
# tail (ftruncate, -S) and deletion (unlinkat, openat2 under --delete).
# Each fault is aimed at one entry (the SUBJECT) with a TREESYNC_FAULTS
# pattern, and the run is `-aHX --delete` over a tree that has one entry
# of every kind and three extraneous entries.
# Pass, for every case: rsync's exit code (23; 11 for ENOSPC, which stops
# the run); a message naming the subject and the errno; no temp file in
# DEST; the subject's final name as it was before the run (an update) or
# absent (a new entry) -- never a half-made entry; deletion withheld after
# a destination error, done otherwise (the subject of a failed deletion
# stays); and every other entry exactly as a fault-free run leaves it.
# Without fault injection in the binary (-DTREESYNC_FAULT_INJECTION=OFF)
# the scenario is skipped and says so.
. "$(dirname "$0")/lib.sh"
cond "an injected fault on each destination call: exit 23 (11 for ENOSPC), message names the entry and errno, no temp, the entry old or absent (never half-made), the rest as a clean run leaves it"
need_root
need_cmd python3
need_treesync
build_helpers

need_fault_injection

setx() { python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$@"; }

# ------------------------------------------------------------ the trees
SRC=$T/src BASE=$T/base
mkdir -p "$SRC/sub"
head -c $((64 << 10)) /dev/urandom >"$SRC/f"
head -c 4096 /dev/urandom >"$SRC/g"
chmod 664 "$SRC/g"
echo same >"$SRC/same"
echo same2 >"$SRC/same2"
echo g2 >"$SRC/g2"
chmod 640 "$SRC/g2"
echo x >"$SRC/sub/x"
ln -s f "$SRC/ln"
chown -R nobody:nogroup "$SRC"
chown -h nobody:nogroup "$SRC/ln"
# DEST before the run: older f, g and ln; same, same2 and g2 differ from
# the source in one attribute only; three extraneous entries.
mkdir -p "$BASE"
cp -a "$SRC/same" "$SRC/same2" "$SRC/g2" "$SRC/sub" "$BASE/"
echo "old f" >"$BASE/f"
echo "old g" >"$BASE/g"
chown nobody:nogroup "$BASE/f" "$BASE/g"
ln -s g "$BASE/ln"
chmod 600 "$BASE/g2"
echo e >"$BASE/extra1"
echo e >"$BASE/extra2"
echo e >"$BASE/sub/extra3"
touch -r "$SRC/sub" "$BASE/sub"
# New in the source: a FIFO, two hard links, a file ending in a hole.
mkfifo "$SRC/p"
echo linked >"$SRC/h1"
ln "$SRC/h1" "$SRC/h2"
head -c 4096 /dev/urandom >"$SRC/sparse"
truncate -s $((1 << 20)) "$SRC/sparse"
chown nobody:nogroup "$SRC/p" "$SRC/h1" "$SRC/sparse"
have_xattr=1
if setx "$SRC/f" user.test one 2>/dev/null && setx "$SRC/same" user.test two &&
    setx "$BASE/same2" user.extra three; then :; else
    have_xattr=0
    note "no user xattrs on $RELI_TMPDIR: the fsetxattr/setxattrat/removexattrat cases are not run"
fi
touch -d '2021-01-01 00:00:00' "$SRC" "$BASE"

OPTS=(-aHX --delete)
# The clean run: what every entry but the subject must look like.
cp -a "$BASE" "$T/ref"
ts "$T/out" "$T/err" "${OPTS[@]}" "$SRC/" "$T/ref/"
[ "$RC" = 0 ] || { note_file "$T/err"; fail "fault-free run: exit $RC"; }
same_tree "$SRC" "$T/ref" || fail "fault-free run: DEST differs from SRC"

# snap of DIR without the paths given (and what lies below them).
snap_without() {
    local dir=$1
    shift
    H snap -T "$dir" | awk -v skip="$*" '
        BEGIN { n = split(skip, s, " ") }
        { p = $NF; for (i = 1; i <= n; i++) if (p == s[i] || index(p, s[i] "/") == 1) next; print }'
}
snap_of() { H snap "$1" | awk -v p="$2" '$NF == p'; }   # one entry's line

cases=0 ok=0 bad_exit=0 no_msg=0 temps=0 half_made=0 deletion_wrong=0 rest_wrong=0
EXTRA="extra1 extra2 sub/extra3"

# run_case SPEC EXIT SUBJECT ERRTEXT EXPECT DELETION [OPTION...]
#   The message must name SUBJECT (MSG when set), as DEST/SUBJECT or as
#   the path below DEST.
#   EXPECT: old (the final name as before the run) or absent
#   DELETION: withheld (every extraneous entry stays) or done (only the
#   subject, when it is one, stays)
run_case() {
    local spec=$1 want=$2 subj=$3 text=$4 expect=$5 deletion=$6 bad=0 e n
    shift 6
    cases=$((cases + 1))
    rm -rf "$T/dst"
    cp -a "$BASE" "$T/dst"
    TREESYNC_FAULTS=$spec ts "$T/out" "$T/err" "${OPTS[@]}" "$@" "$SRC/" "$T/dst/"
    if [ "$RC" != "$want" ]; then
        bad_exit=$((bad_exit + 1)); bad=1; note "$spec: exit $RC, expected $want"
    fi
    # A deletion names the entry below DEST, as rsync does; the rest DEST/...
    if ! grep -qF -e "/dst/${MSG:-$subj}'" -e "'${MSG:-$subj}'" "$T/err" ||
        ! grep -qF -- "$text" "$T/err"; then
        no_msg=$((no_msg + 1)); bad=1; note "$spec: no message naming 'DEST/${MSG:-$subj}' and '$text'"
    fi
    n=$(count_temps "$T/dst")
    if [ "$n" != 0 ]; then
        temps=$((temps + n)); bad=1; note "$spec: $n temp(s) left: $(list_temps "$T/dst" 2 | tr '\n' ' ')"
    fi
    if [ "$expect" = old ]; then
        [ "$(snap_of "$T/dst" "$subj")" = "$(snap_of "$BASE" "$subj")" ] || {
            half_made=$((half_made + 1)); bad=1
            note "$spec: DEST/$subj is not as before the run: $(snap_of "$T/dst" "$subj")"; }
    elif [ -e "$T/dst/$subj" ] || [ -L "$T/dst/$subj" ]; then
        half_made=$((half_made + 1)); bad=1; note "$spec: DEST/$subj exists, expected absent"
    fi
    for e in $EXTRA; do
        [ "$e" = "$subj" ] && continue
        if [ "$deletion" = withheld ] && [ ! -e "$T/dst/$e" ]; then
            deletion_wrong=$((deletion_wrong + 1)); bad=1
            note "$spec: $e deleted despite the destination error"
        elif [ "$deletion" = done ] && [ -e "$T/dst/$e" ]; then
            deletion_wrong=$((deletion_wrong + 1)); bad=1; note "$spec: $e not deleted"
        fi
    done
    # Every other entry as the clean run left it (a fatal error stops the
    # run: then only what is there is compared).
    if [ "$want" = 11 ]; then
        :
    elif ! diff <(snap_without "$T/ref" "$subj" $EXTRA) <(snap_without "$T/dst" "$subj" $EXTRA) \
        >"$T/rest.diff"; then
        rest_wrong=$((rest_wrong + 1)); bad=1; note "$spec: other entries differ from the clean run"
        note_file "$T/rest.diff" 6
    fi
    note "$spec: exit $RC: $(head -c 240 "$T/err" | tr '\n' '|')"
    [ "$bad" = 1 ] && note_file "$T/err" 4
    [ "$bad" = 0 ] && ok=$((ok + 1))
}

# ------------------------------------------------------------ the cases
# spec                          exit subject  errno text             expect deletion extra
run_case 'fchown@*=EPERM:.f.*'     23 f      'Operation not permitted' old withheld
run_case 'fchmod@1=EPERM:.g.*'     23 g      'Operation not permitted' old withheld
run_case 'futimens@1=EIO:.g.*'     23 g      'Input/output error'      old withheld
run_case 'openat@1=EACCES:.g.*'    23 g      'Permission denied'       old withheld
run_case 'openat@1=ENOSPC:.g.*'    11 g      'No space left on device' old withheld
run_case 'fchmodat@1=EPERM:g2'     23 g2     'Operation not permitted' old withheld
run_case 'fchownat@1=EPERM:.ln.*'  23 ln     'Operation not permitted' old withheld
run_case 'utimensat@1=EIO:.ln.*'   23 ln     'Input/output error'      old withheld
run_case 'symlinkat@1=EACCES'      23 ln     'Permission denied'       old withheld
run_case 'renameat@1=EIO:ln'       23 ln     'Input/output error'      old withheld
run_case 'mknodat@1=EPERM'         23 p      'Operation not permitted' absent withheld
run_case 'ftruncate@1=EIO'         23 sparse 'Input/output error'      absent withheld -S
run_case 'unlinkat@1=EBUSY:extra1' 23 extra1 'Device or resource busy' old done
MSG=sub run_case 'openat2@1=EACCES:sub' 23 sub/extra3 'Permission denied' old done
if [ "$have_xattr" = 1 ]; then
    run_case 'fsetxattr@1=ENOTSUP:.f.*'  23 f     'Operation not supported' old withheld
    run_case 'setxattrat@1=ENOTSUP:same' 23 same  'Operation not supported' old withheld
    run_case 'removexattrat@1=EIO:same2' 23 same2 'Input/output error'      old withheld
fi
# -H: which of the two names is the copy and which the link is the
# engine's choice; the link is the one that fails.
cases=$((cases + 1))
rm -rf "$T/dst"
cp -a "$BASE" "$T/dst"
TREESYNC_FAULTS='linkat@1=EMLINK' ts "$T/out" "$T/err" "${OPTS[@]}" "$SRC/" "$T/dst/"
link=$(grep -o "[^/']*h[12]'" "$T/err" | head -n1 | tr -d "'")
other=h1; [ "$link" = h1 ] && other=h2
if [ "$RC" = 23 ] && [ -n "$link" ] && grep -q 'Too many links' "$T/err" &&
    [ ! -e "$T/dst/$link" ] && cmp -s "$SRC/h1" "$T/dst/$other" &&
    [ "$(count_temps "$T/dst")" = 0 ] && [ -e "$T/dst/extra1" ]; then
    ok=$((ok + 1))
else
    bad_exit=$((bad_exit + 1))
    note "linkat@1=EMLINK: exit $RC, link '${link:-?}' (must be absent, its twin complete, no temp, no deletion)"
    note_file "$T/err" 4
fi

# The DEST root made by the run: ENOSPC is rsync's "mkdir failed" (11),
# and nothing is left.
cases=$((cases + 1))
mkdir -p "$T/fresh"
TREESYNC_FAULTS='mkdirat@1=ENOSPC' ts "$T/out" "$T/err" "${OPTS[@]}" "$SRC/" "$T/fresh/dst/"
if [ "$RC" = 11 ] && grep -qF "$T/fresh/dst" "$T/err" && grep -q 'No space left on device' "$T/err" &&
    [ -z "$(ls -A "$T/fresh")" ]; then
    ok=$((ok + 1))
else
    bad_exit=$((bad_exit + 1)); note "mkdirat@1=ENOSPC (DEST root): exit $RC, or no message, or debris"
    note_file "$T/err" 4
fi

result cases="$cases" ok="$ok" bad_exit="$bad_exit" no_message="$no_msg" temps_left="$temps" \
    half_made="$half_made" deletion_wrong="$deletion_wrong" rest_wrong="$rest_wrong" xattr_cases="$have_xattr"
[ "$bad_exit" = 0 ] || check_fail "$bad_exit case(s) with a wrong exit code"
[ "$no_msg" = 0 ] || check_fail "$no_msg case(s) without a message naming the entry and errno"
[ "$temps" = 0 ] || check_fail "$temps temp(s) left"
[ "$half_made" = 0 ] || check_fail "$half_made case(s) changed the subject's final name"
[ "$deletion_wrong" = 0 ] || check_fail "$deletion_wrong wrong deletion(s)"
[ "$rest_wrong" = 0 ] || check_fail "$rest_wrong case(s) left other entries unlike a clean run"
verdict "$cases faults: right exit codes, entries old or absent, no temps, the rest as a clean run"
