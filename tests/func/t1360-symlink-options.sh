#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--safe-links, --munge-links and -k like rsync 3.5.0: unsafe symlinks (absolute, climbing above the top of the transfer, or with a '..' after another name) left out and said at -v, counted from the transfer's top (SRC/ or SRC); a DEST entry of that name kept, even with --delete; with -b an unsafe DEST symlink is not backed up; --munge-links takes '/rsyncd-munged/' off source targets; -k makes a symlink to a directory (in or outside the tree) that directory, a DEST symlink in its way replaced, a link to an ancestor followed up to 40 links on a path"

mkdir -p "$SRC/sub/deep"
printf 'f\n' >"$SRC/f"
ln -s f "$SRC/ok"
ln -s /etc/passwd "$SRC/abs"
ln -s ../outside "$SRC/up"
ln -s ../f "$SRC/sub/upok"
ln -s ../../f "$SRC/sub/out"
ln -s ../../f "$SRC/sub/deep/twoup"
ln -s deep/../../f "$SRC/sub/hard"
ln -s ../.. "$SRC/sub/deep/dotdot"
ln -s .. "$SRC/sub/dd"
ln -s ./f "$SRC/dot"
stamp "$SRC"

run_both -ai --safe-links -- "$SRC/" "$DST/"
assert_same_result
[ -L "$TS_DST/ok" ] && [ -L "$TS_DST/sub/deep/twoup" ] ||
    fail "--safe-links: safe links not made"
[ -e "$TS_DST/abs" ] || [ -L "$TS_DST/abs" ] && fail "--safe-links: abs made"

# At -v each one is said, as rsync says it.
run_both -aiv --safe-links -- "$SRC/" "$DST/"
assert_same_result
expect_line rsync 'ignoring unsafe symlink "abs" -> "/etc/passwd"'
expect_line rsync 'ignoring unsafe symlink "sub/hard" -> "deep/../../f"'
expect_line rsync 'ignoring unsafe symlink "sub/deep/dotdot" -> "../.."'

# SRC without the slash: one level deeper, so "up" and "sub/out" are safe.
run_both -aiv --safe-links -- "$SRC" "$DST/"
assert_same_result --no-mtime-root
expect_line rsync 'ignoring unsafe symlink "src/abs" -> "/etc/passwd"'
[ -L "$TS_DST/src/up" ] || fail "--safe-links: src/up is safe from SRC"

# A DEST entry where an unsafe link is: left alone, --delete or not.
mkdir -p "$DST/abs" "$DST/sub"
printf 'keep\n' >"$DST/abs/keep"
ln -s /old "$DST/sub/out"
run_both -ai --safe-links --delete -- "$SRC/" "$DST/"
assert_same_result
[ -f "$TS_DST/abs/keep" ] || fail "--safe-links: DEST's abs/keep removed"
rm -rf "$DST"

# -b: an unsafe DEST symlink that is replaced or deleted is not kept.
mkdir -p "$DST/sub"
ln -s ../../sensitive "$DST/f"
ln -s ../../gone "$DST/sub/gone"
ln -s ../f "$DST/sub/safe"
run_both -aiv -b --suffix=.bak --safe-links --delete -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs	# (-b implies -O)
expect_line rsync 'not backing up unsafe symlink "f" -> "../../sensitive"'
expect_line rsync 'not backing up unsafe symlink "sub/gone" -> "../../gone"'
[ -L "$TS_DST/sub/safe.bak" ] || fail "-b --safe-links: a safe link not kept"
# The same into a --backup-dir inside DEST.
run_both -ai --backup-dir=bk --safe-links --delete -- "$SRC/" "$DST/"
assert_same_result --no-mtime-dirs
[ -L "$TS_DST/bk/sub/safe" ] || fail "--backup-dir --safe-links: no bk/sub/safe"
rm -rf "$DST"

# --munge-links: a local run only unmunges what the source holds.
rm -rf "$SRC"
mkdir -p "$SRC"
ln -s /rsyncd-munged/f "$SRC/munged"
ln -s /rsyncd-munged/ "$SRC/prefixonly"
ln -s /rsyncd-munged/../../x "$SRC/climb"
ln -s plain "$SRC/plain"
stamp "$SRC"
run_both -ai --munge-links -- "$SRC/" "$DST/"
assert_same_result
expect_line rsync 'cL+++++++++ munged -> f'
# Up to date against the unmunged target.
run_both_again -ai --munge-links -- "$SRC/" "$DST/"
assert_same_result
# Checked for safety as unmunged.
run_both -aiv --munge-links --safe-links -- "$SRC/" "$DST/"
assert_same_result
expect_line rsync 'ignoring unsafe symlink "climb" -> "../../x"'
run_both -ai --no-munge-links --munge-links --safe-links -- "$SRC/" "$DST/"
assert_same_result
# -k: a symlink to a directory is that directory (inside or outside the
# tree); links to files and dangling ones stay links (with -l).
rm -rf "$SRC" "$DST" "$T/other"
mkdir -p "$SRC/real/in" "$T/other"
printf 'f\n' >"$SRC/real/f"
printf 'g\n' >"$T/other/g"
ln -s real "$SRC/ld"
ln -s ../other "$SRC/lo"
ln -s real/f "$SRC/lf"
ln -s nowhere "$SRC/dang"
ln -s /etc/passwd "$SRC/abs"
stamp "$SRC"
stamp "$T/other"
run_both -aik -- "$SRC/" "$DST/"
assert_same_result
[ -d "$TS_DST/ld" ] && [ ! -L "$TS_DST/ld" ] && [ -f "$TS_DST/lo/g" ] ||
    fail "-k: the links to directories are not directories"
expect_line rsync 'cd+++++++++ lo/'
run_both_again -aik -- "$SRC/" "$DST/"
assert_same_result
run_both -ik -rt -- "$SRC" "$DST/"
assert_same_result --no-mtime-root
# -k goes first: --safe-links leaves out only what stays a link.
run_both -aik --safe-links -- "$SRC/" "$DST/"
assert_same_result
# A DEST symlink where the directory goes is replaced (without -K), and
# what is in the followed directory alone is deleted.
mkdir -p "$DST/lo"
ln -s /tmp "$DST/ld"
printf 'x\n' >"$DST/lo/extra"
run_both -aik --delete -- "$SRC/" "$DST/"
assert_same_result
expect_line rsync '*deleting   lo/extra'
# --list-only lists them so too.
run_both -rlk --list-only -- "$SRC/"
assert_same_output
filtered_out rsync | grep ' lo/g$' >/dev/null ||
    fail "scenario check: rsync -rlk --list-only does not list lo/g"
run_both -rk --list-only -- "$SRC"
assert_same_output
rm -rf "$DST"

# A link to an ancestor: followed until its path holds more symlinks than
# one path may (40); that directory is made, not read (exit 23).
rm -rf "$SRC"
mkdir -p "$SRC/a"
printf '1\n' >"$SRC/a/f"
ln -s .. "$SRC/a/up"
stamp "$SRC"
run_both -aik -- "$SRC/" "$DST/"
assert_same_result
assert_rc treesync 23
run_both -rk --list-only -- "$SRC/"
assert_same_output
pass
