#!/bin/bash
# t4022: fish completion: completions/treesync.fish loads without a message
# and `complete -C` gives the right candidates for options, values, file
# arguments and operands.
. "$(dirname "$0")/lib.sh"
desc "fish completion: options, values, files, operands"
need_treesync
need_cmd fish
F=$COMPDIR/treesync.fish
[ -r "$F" ] || { bad "no $F"; finish; }
mkdir -p "$T/w/srcdir" "$T/w/dstdir"
: >"$T/w/sync.log"

fish --no-config -c "source '$F'" >"$T/load.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ ! -s "$T/load.out" ] && ok "fish: source treesync.fish: exit 0, no output" ||
    { bad "fish: source treesync.fish: exit $rc"; show "$T/load.out"; }

# comp LINE: the candidates (first column), sorted, into $T/c.
comp() {
	(cd "$T/w" && HOME=$T fish --no-config -c "source '$F'; complete -C '$1'") 2>"$T/c.err" |
	    cut -f1 | LC_ALL=C sort >"$T/c"
	[ -s "$T/c.err" ] && { note "stderr for '$1':"; show "$T/c.err" 5; }
}
expect() {
	local line=$1 w miss=""
	shift
	comp "$line"
	for w in "$@"; do grep -qxF -- "$w" "$T/c" || miss+=" $w"; done
	[ -z "$miss" ] && ok "'$line<TAB>' offers $*" ||
	    bad "'$line<TAB>' lacks:$miss (got: $(tr '\n' ' ' <"$T/c" | cut -c1-300))"
}
expect_not() {
	local line=$1 w extra=""
	shift
	comp "$line"
	for w in "$@"; do grep -qxF -- "$w" "$T/c" && extra+=" $w"; done
	[ -z "$extra" ] && ok "'$line<TAB>' does not offer $*" || bad "'$line<TAB>' wrongly offers:$extra"
}

expect "treesync --ver" --verbose --version --verify
want=(--delete --del --delete-after)
help_longs | grep -qx delete-excluded && want+=(--delete-excluded)
expect "treesync --del" "${want[@]}"
expect "treesync --copy-method=" --copy-method=auto --copy-method=copy_file_range --copy-method=sendfile --copy-method=readwrite
expect "treesync --copy-method " auto copy_file_range sendfile readwrite
expect_not "treesync --copy-method " srcdir/
expect "treesync --reflink=" --reflink=auto --reflink=always --reflink=never
expect "treesync --progress=" --progress=always
expect_not "treesync --progress " always
expect "treesync --log-file=sy" --log-file=sync.log
expect "treesync --lock=sy" --lock=sync.log
expect "treesync -a sr" srcdir/
expect "treesync -a srcdir/ d" dstdir/

# Every long option of --help is offered after "--".
comp "treesync --"
miss=""
for o in $(help_longs); do grep -qxF -- "--$o" "$T/c" || miss+=" --$o"; done
[ -z "$miss" ] && ok "'treesync --<TAB>' offers all $(help_longs | wc -l) long options" ||
    bad "'treesync --<TAB>' lacks:$miss"
finish
