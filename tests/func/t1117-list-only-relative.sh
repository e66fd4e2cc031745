#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "-R --list-only lists like rsync (and -d lists one level): the directories on the way to each operand (a symlinked one as its directory), then the operand (-r: its tree; 'dir/': its entries), '/./' and absolute paths, './' (the '.' line), several operands sharing a path, --no-implied-dirs, filters, -d; never the whole of / (src/list.c used to ignore the operands)"
need_func

mkdir -p "$SRC/x/y" "$SRC/z"
printf 'a\n' >"$SRC/x/file"; printf 'g\n' >"$SRC/x/y/g"; printf 'o\n' >"$SRC/other"
ln -s x "$SRC/lx"
stamp "$SRC"
# Operands are relative to $T, where both tools run.
s=${SRC#"$T"/}
for args in "-R $s/x/file" "-R $s/x" "-R $s/x/" "-rR $s/x" "-rR $s/./x" \
    "-R $s/x/file $s/x/y/g $s/other" "-R $s/lx/file" \
    "-rR --no-implied-dirs $s/x/y" "-R $s/././other" "-R $s/x/./y/g" \
    "-rR $s" "-rR $s/x $s/x/y" "-R --exclude=file $s/x/" \
    "-rR --exclude=y $s/x" "-R -d $s/x/" "-rRl $s/lx $s/z" \
    "-d $s/" "-d $s/x"; do
	# shellcheck disable=SC2086
	run_both --list-only $args --
	assert_same_output
	[ "$(wc -l <"$T/treesync.out")" -lt 50 ] || fail "$args: lists far too much"
done
# An absolute path: from "/" (the lines of /tmp and of $T, whose times
# change while the tests run, are left out).
run_both --list-only -R "$SRC/x/file" --
for tag in rsync treesync; do
	grep -E ' (src|x|file)$|/src(/|$)' "$T/$tag.out" >"$T/$tag.abs"
done
cp "$T/rsync.abs" "$T/rsync.out"
cp "$T/treesync.abs" "$T/treesync.out"
[ "$(wc -l <"$T/rsync.out")" = 3 ] || fail "scenario: rsync's absolute listing: $(cat "$T/rsync.out")"
assert_same_output
# The scenario lists paths, not the whole root.
run_both --list-only -R "$s/x/file" --
expect_line rsync "$(grep ' src/x/file$' "$T/rsync.out")"
grep -q ' src/x/file$' "$T/treesync.out" || fail "-R: src/x/file not listed"
pass
