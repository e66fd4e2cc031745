#!/bin/bash
# t4011: each completion file (bash, zsh, fish) offers exactly the options
# of `treesync --help`.
#
# `treesync --completion-helper` (what the files are generated from) lists
# every option of --help, and the binary takes every name it lists.  For
# each file: every long and short option of --help is offered; every option
# offered exists (in --help, as an alias or --no-OPTION form the helper
# lists, or in the PENDING list of options documented ahead of the binary);
# and the files are what tools/gen-completions.sh makes from the current
# binary (gen.sh --check).
. "$(dirname "$0")/lib.sh"
desc "completion files <-> --help option coverage"
need_treesync

help_longs >"$T/help_longs"
help_shorts >"$T/help_shorts"
[ -s "$T/help_longs" ] || { bad "could not read the options of '$TREESYNC --help'"; finish; }

# The helper: five tab-separated fields a line; --help's options in it; each
# of its names taken by the binary (an unknown name exits 1 with "unknown
# option", a known one at worst with a missing operand or argument).
if ! "$TREESYNC" --completion-helper >"$T/helper" 2>"$T/helper.err"; then
	bad "'$TREESYNC --completion-helper' failed"; show "$T/helper.err"; finish
fi
bad_lines=$(awk -F'\t' 'NF != 5 || $3 !~ /^(none|req|opt)$/' "$T/helper" | head -3)
if [ -z "$bad_lines" ]; then ok "--completion-helper: $(wc -l <"$T/helper") well-formed rows"
else bad "--completion-helper: malformed rows: $bad_lines"
fi
awk -F'\t' '$2 != "-" { print $2 }' "$T/helper" | sort -u >"$T/helper_longs"
awk -F'\t' '$1 != "-" { print $1 }' "$T/helper" | sort -u >"$T/helper_shorts"
miss=$(comm -23 "$T/help_longs" "$T/helper_longs" | sed 's/^/--/'; comm -23 "$T/help_shorts" "$T/helper_shorts" | sed 's/^/-/')
if [ -z "$miss" ]; then ok "--completion-helper lists every option of --help"
else bad "--completion-helper lacks:" $miss
fi
rejected=""
while read -r o; do
	"$TREESYNC" "--$o" </dev/null 2>&1 | grep -q "unknown option" && rejected+=" --$o"
done <"$T/helper_longs"
if [ -z "$rejected" ]; then ok "the binary takes every long name the helper lists"
else bad "listed by --completion-helper but rejected:$rejected"
fi
comm -23 "$T/helper_longs" "$T/help_longs" >"$T/aliases"

# Options offered by each format, as "--long" and "-s" lines.
opts_bash() {	# the words of every compgen -W '...' list
	tr '\n' ' ' <"$1" | grep -oE "compgen -W '[^']*'" | cut -c13- |
	    tr -s " '\t" '\n' | grep -E '^-' | sed 's/=$//' | sort -u
}
opts_zsh() {	# the option of each _arguments spec: '(excl)*--name=-[...'
	grep -oE "^[[:space:]]*'(\([^)]*\))?\*?-[^[]+\[" "$1" |
	    sed -E "s/^[[:space:]]*'(\([^)]*\))?\*?//; s/\[$//; s/[=+-]+$//; s/=-?$//" | sort -u
}
opts_fish() {	# -l 'name' and -s 'x' of each complete line
	grep -E '^complete ' "$1" | grep -oE -- "-[ls] '[^']+'" |
	    sed -E "s/^-l '(.*)'/--\1/; s/^-s '(.*)'/-\1/" | sort -u
}

for f in treesync.bash _treesync treesync.fish; do
	path=$COMPDIR/$f
	if [ ! -r "$path" ]; then bad "$f: missing ($path)"; continue; fi
	case $f in
	*.bash) opts_bash "$path" ;;
	_*) opts_zsh "$path" ;;
	*.fish) opts_fish "$path" ;;
	esac >"$T/$f.opts"
	miss=""
	while read -r o; do grep -qxF -- "--$o" "$T/$f.opts" || miss+=" --$o"; done <"$T/help_longs"
	while read -r s; do grep -qxF -- "-$s" "$T/$f.opts" || miss+=" -$s"; done <"$T/help_shorts"
	if [ -z "$miss" ]; then ok "$f: offers all $(wc -l <"$T/help_longs") long and $(wc -l <"$T/help_shorts") short options of --help"
	else bad "$f: does not offer:$miss"
	fi
	stale="" pending=""
	while read -r o; do
		case $o in
		--*) n=${o#--}
			grep -qxF -- "$n" "$T/help_longs" && continue
			grep -qxF -- "$n" "$T/aliases" && continue
			[[ " $PENDING_LONGS " == *" $n "* ]] && { pending+=" $o"; continue; } ;;
		-?) n=${o#-}
			grep -qxF -- "$n" "$T/help_shorts" && continue
			[[ " $PENDING_SHORTS " == *" $n "* ]] && { pending+=" $o"; continue; } ;;
		esac
		stale+=" $o"
	done <"$T/$f.opts"
	if [ -z "$stale" ]; then ok "$f: offers no option treesync lacks ($(wc -l <"$T/$f.opts") offered)"
	else bad "$f: offers options treesync does not have:$stale"
	fi
	[ -n "$pending" ] && note "$f: offered ahead of --help (pending):$pending"
done

# Generated files must match the generator's output for this binary.
# (Only for the repository's own files; a missing generator is a failure.)
if [ "$COMPDIR" = "$REPO/completions" ]; then
	if [ ! -x "$REPO/tools/gen-completions.sh" ]; then
		bad "tools/gen-completions.sh is missing"
	elif TREESYNC=$TREESYNC "$REPO/tools/gen-completions.sh" --check >"$T/gen.out" 2>&1; then
		ok "tools/gen-completions.sh --check: the files are up to date"
	else
		bad "tools/gen-completions.sh --check: the files are stale (run tools/gen-completions.sh):"
		show "$T/gen.out" 15
	fi
fi
finish
