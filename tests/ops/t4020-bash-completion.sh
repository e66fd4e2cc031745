#!/bin/bash
# t4020: bash completion behaves: bash-completion plus completions/treesync.bash
# are sourced in a clean bash, a command line is split the way readline
# splits it ('=' and ':' are words of their own), _treesync runs, and the
# candidates in COMPREPLY are checked.
. "$(dirname "$0")/lib.sh"
desc "bash completion: options, values, files, operands"
need_treesync
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || skip "bash-completion is not installed (apt-get install bash-completion)"
F=$COMPDIR/treesync.bash
[ -r "$F" ] || { bad "no $F"; finish; }

cat >"$T/complete.sh" <<'EOF'
# complete.sh COMPLETION_FILE LINE: prints the candidates, one per line.
f=$1 line=$2
source /usr/share/bash-completion/bash_completion
source "$f" || exit 3
declare -F _treesync >/dev/null || { echo "no function _treesync" >&2; exit 3; }
[ "$(complete -p treesync 2>/dev/null)" = "complete -F _treesync treesync" ] ||
    { echo "treesync is not bound to _treesync: $(complete -p treesync 2>&1)" >&2; exit 3; }
COMP_WORDS=(); w=""
for ((k = 0; k < ${#line}; k++)); do
	ch=${line:k:1}
	case $ch in
	" ") [ -n "$w" ] && COMP_WORDS+=("$w"); w="" ;;
	"=" | ":") [ -n "$w" ] && COMP_WORDS+=("$w"); COMP_WORDS+=("$ch"); w="" ;;
	*) w+=$ch ;;
	esac
done
COMP_WORDS+=("$w")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line COMP_POINT=${#line}
COMP_TYPE=9 COMP_KEY=9
compopt() { :; }	# only valid inside real completion
_treesync treesync "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF

mkdir -p "$T/w/srcdir" "$T/w/dstdir"
: >"$T/w/sync.log"
: >"$T/w/rules.txt"
# comp LINE: candidates of LINE (completed in $T/w), sorted, into $T/c.
comp() {
	(cd "$T/w" && bash --norc --noprofile "$T/complete.sh" "$F" "$1") 2>"$T/c.err" | LC_ALL=C sort >"$T/c"
	if [ -s "$T/c.err" ]; then note "stderr for '$1':"; show "$T/c.err" 5; fi
}
# expect LINE WORD...: every WORD is a candidate.
expect() {
	local line=$1 w miss=""
	shift
	comp "$line"
	for w in "$@"; do grep -qxF -- "$w" "$T/c" || miss+=" $w"; done
	if [ -z "$miss" ]; then ok "'$line<TAB>' offers $*"
	else bad "'$line<TAB>' lacks:$miss (got: $(tr '\n' ' ' <"$T/c" | cut -c1-300))"
	fi
}
# expect_not LINE WORD...: no WORD is a candidate.
expect_not() {
	local line=$1 w extra=""
	shift
	comp "$line"
	for w in "$@"; do grep -qxF -- "$w" "$T/c" && extra+=" $w"; done
	if [ -z "$extra" ]; then ok "'$line<TAB>' does not offer $*"
	else bad "'$line<TAB>' wrongly offers:$extra"
	fi
}
# expect_exactly LINE WORD...: the candidates are exactly the WORDs.
expect_exactly() {
	local line=$1
	shift
	comp "$line"
	printf '%s\n' "$@" | LC_ALL=C sort >"$T/want"
	if cmp -s "$T/want" "$T/c"; then ok "'$line<TAB>' offers exactly: $*"
	else bad "'$line<TAB>': want '$(tr '\n' ' ' <"$T/want")', got '$(tr '\n' ' ' <"$T/c")'"
	fi
}

# --del: --delete, and --delete-excluded once the filter options exist,
# and rsync's accepted spellings.
want=(--delete --del --delete-before --delete-during --delete-delay --delete-after)
help_longs | grep -qx delete-excluded && want+=(--delete-excluded)
expect "treesync --del" "${want[@]}"
expect_not "treesync --del" --dry-run --verbose

# Every long option of --help is offered after "--".
comp "treesync --"
miss=""
for o in $(help_longs); do grep -qE -- "^--$o=?\$" "$T/c" || miss+=" --$o"; done
[ -z "$miss" ] && ok "'treesync --<TAB>' offers all $(help_longs | wc -l) long options of --help" ||
    bad "'treesync --<TAB>' lacks:$miss"
# An option that takes an argument is offered with its '='.
expect "treesync --copy-m" --copy-method=
expect "treesync --ver" --verbose --version --verify
expect "treesync -" -a -v -n -i -j

# Values.
expect_exactly "treesync --copy-method=" auto copy_file_range sendfile readwrite
expect_exactly "treesync --copy-method=re" readwrite
expect_exactly "treesync --copy-method " auto copy_file_range sendfile readwrite
expect_exactly "treesync --reflink=" auto always never
expect_exactly "treesync --progress=" always
expect "treesync --info=" progress2

# Files for file arguments; nothing for numbers.
expect "treesync --log-file=sy" sync.log
expect "treesync --log-file sy" sync.log
expect "treesync --lock=sy" sync.log
help_longs | grep -qx exclude-from && expect "treesync --exclude-from=ru" rules.txt
expect "treesync --files-from=ru" rules.txt
expect_exactly "treesync -j "
expect_exactly "treesync --max-delete="

# Operands: directories (and files).
expect "treesync -a " srcdir dstdir
expect "treesync -a src" srcdir
expect "treesync -a srcdir/ d" dstdir
# An optional argument is only taken after '=': "--lock X" is an operand,
# "--progress X" too.
expect "treesync --progress s" srcdir
expect_not "treesync --progress " always
finish
