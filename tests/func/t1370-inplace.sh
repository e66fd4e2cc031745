#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--inplace like rsync: files written into the DEST file itself (same inode, hard links see the data, the last name of a tug of war wins), shrunk and grown to the source's size, --no-whole-file writes only the blocks that differ, -S, -H, -b/--backup-dir keep a copy of the old data, a DEST symlink is replaced (its target untouched), same -i lines, exit codes and tree"

# DEST files of every size relation, a symlink where the source has a file
# (its target outside DEST must not be written), a read-only file, two
# names of one inode that the source has as two files, and a source link
# group over two DEST files.
mkdir -p "$SRC/sub" "$SRC/tug" "$DST/sub" "$DST/tug" "$T/outside"
mkdata "$SRC/shrink" 300000
mkdata "$DST/shrink" 500000
mkdata "$SRC/grow" 70000
mkdata "$DST/grow" 100
mkdata "$SRC/sub/same-size" 4096
mkdata "$DST/sub/same-size" 4096
mkdata "$SRC/new" 5000
printf 'data\n' >"$SRC/link"
printf 'outside\n' >"$T/outside/target"
ln -s "$T/outside/target" "$DST/link"
printf 'x\n' >"$SRC/ro"
printf 'old ro\n' >"$DST/ro"
chmod 0444 "$DST/ro"
printf 'one1\n' >"$SRC/tug/f1"
printf 'two22\n' >"$SRC/tug/f2"
printf 'old\n' >"$DST/tug/f1"
ln "$DST/tug/f1" "$DST/tug/f2"
printf 'linked\n' >"$SRC/h1"
ln "$SRC/h1" "$SRC/h2"
printf 'old h1\n' >"$DST/h1"
printf 'old h2\n' >"$DST/h2"
# vm: 1 MiB of which one 4 KiB block differs (a disk image).
mkdata "$SRC/vm" $((1 << 20))
cp "$SRC/vm" "$DST/vm"
printf 'changed!' | dd of="$SRC/vm" bs=1 seek=500000 conv=notrunc status=none
truncate -s 1M "$SRC/sparse"
printf 'tail' >>"$SRC/sparse"
mkdata "$DST/sparse" 2000000
stamp "$SRC"
stamp "$DST" 1400000000
chmod 0444 "$DST/ro"

# ino DIR NAME...: the inode numbers of NAMEs below DIR, one line.
ino() { local d=$1; shift; (cd "$d" && stat -c %i -- "$@" | tr '\n' ' '); }
KEPT=(shrink grow sub/same-size ro sparse tug/f1 vm)

# run_both, noting the inodes of the updated files in each copy of DEST.
run_both_ino() {
    _reset_outputs
    RS_INO=$(ino "$RS_DST" "${KEPT[@]}")
    TS_INO=$(ino "$TS_DST" "${KEPT[@]}")
    _run_pair "$@"
}
check_inodes() {   # check_inodes TAG BEFORE DIR: the files kept their inode
    local after
    after=$(ino "$3" "${KEPT[@]}")
    [ "$2" = "$after" ] || fail "$1: an in-place update changed an inode (before: $2; after: $after)"
}

for opts in "-ai --inplace" "-aiH --inplace" "-ai --inplace -S" "-ai --inplace --no-whole-file"; do
    # shellcheck disable=SC2086
    run_both_ino $opts -- "$SRC/" "$DST"
    assert_same_result
    expect_line rsync '>f.st...... shrink'
    expect_line rsync '>f+++++++++ link'
    check_inodes "rsync $opts" "$RS_INO" "$RS_DST"   # rsync's meaning
    check_inodes "$opts" "$TS_INO" "$TS_DST"
    [ "$(cat "$T/outside/target")" = outside ] || fail "$opts: the DEST symlink's target was written"
    [ -L "$TS_DST/link" ] && fail "$opts: the DEST symlink was not replaced"
    [ "$(ino "$TS_DST" tug/f1)" = "$(ino "$TS_DST" tug/f2)" ] || fail "$opts: the DEST link group was split"
    grep -qx two22 "$TS_DST/tug/f1" || fail "$opts: the tug of war did not end with the last name's data"
    # -S: the source's hole is a hole in the file written over.
    case $opts in *-S*)
        [ "$(stat -c %b "$TS_DST/sparse")" -lt 64 ] || fail "$opts: holes not made ($(stat -c %b "$TS_DST/sparse") blocks)" ;;
    esac
done

# --no-whole-file: only the block that differs is written (rsync's delta
# transfer leaves matched blocks in place, so a copy-on-write snapshot
# keeps sharing them); -W writes the whole file.
for w in --no-whole-file -W; do
    _reset_outputs
    run_ts -a --inplace "$w" -vv -- "$SRC/" "$DST"
    [ "$TS_RC" = 0 ] || fail "--inplace $w -vv: exit $TS_RC"
    cmp -s "$SRC/vm" "$TS_DST/vm" || fail "--inplace $w: vm differs from the source"
    case $w in
    -W) grep -Eq '^vm: [a-z_/]+ 1048576 bytes' "$T/treesync.out" || { note_file "$T/treesync.out"; fail "-W --inplace: vm was not written whole"; } ;;
    *) grep -qx 'vm: read/write 4096 bytes' "$T/treesync.out" || { note_file "$T/treesync.out"; fail "--no-whole-file --inplace: more than vm's changed block written"; } ;;
    esac
done

# -H: the source's link group is made of the first DEST file, as rsync.
run_both -aiH --inplace -- "$SRC/" "$DST"
assert_same_result
[ "$(ino "$TS_DST" h1)" = "$(ino "$TS_DST" h2)" ] || fail "-H --inplace: h1 and h2 are not one inode"

# -b and --backup-dir: a copy of the old data first, then the update in
# place (a hard link as backup would change with it).  The tug of war is
# left out: rsync's generator runs ahead of its receiver there (README).
for bk in -b "--backup-dir=$T/bk"; do
    rm -rf "$T/bk" "$T/bk.rsync"
    _reset_outputs
    TS_INO=$(ino "$TS_DST" "${KEPT[@]}")
    run_rs -ai --inplace "$bk" --exclude=tug/ -- "$SRC/" "$DST"
    [ -d "$T/bk" ] && mv "$T/bk" "$T/bk.rsync"
    run_ts -ai --inplace "$bk" --exclude=tug/ -- "$SRC/" "$DST"
    assert_same_result --no-mtime-dirs   # -b implies -O
    check_inodes "$bk" "$TS_INO" "$TS_DST"
    if [ "$bk" = -b ]; then
        cmp -s "$DST/shrink" "$TS_DST/shrink~" || fail "-b --inplace: shrink~ is not the old shrink"
    else
        assert_same_tree "$T/bk.rsync" "$T/bk" --no-mtime-dirs
        cmp -s "$DST/grow" "$T/bk/grow" || fail "--backup-dir --inplace: the backup is not the old grow"
    fi
done

# Runs again on what each left: only the tug of war goes on (rsync's
# man page), with the same lines.
run_both_again -ai --inplace -- "$SRC/" "$DST"
run_both_again -ai --inplace -- "$SRC/" "$DST"
assert_same_result
expect_line rsync '>f.st...... tug/f1'
pass
