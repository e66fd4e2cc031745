#!/bin/bash
# tools/gen-completions.sh -- generate the bash, zsh and fish completions of
# treesync from `treesync --help` (the one option table, src/cli.c).
#
#   tools/gen-completions.sh            rewrite treesync.bash, _treesync, treesync.fish
#   tools/gen-completions.sh --check    regenerate into a temp dir, diff, exit 1 if stale
#   tools/gen-completions.sh --list     print the option list the files are made from
#
# What is read:
#   - `$TREESYNC --help`: every documented option, its short letter, whether
#     it takes an argument (=ARG required, =[ARG] or [=ARG] optional), the
#     argument's name and the help text;
#   - the rows of cli_options[] in src/cli.c whose help is NULL (accepted
#     aliases: --del, --delete-after, --no-perms, --no-p, ...), each one
#     checked against the binary (an alias the binary rejects is dropped);
#   - PENDING below: options documented in the man page and completed
#     before they reach --help (none at the moment).  Once an option is in
#     --help, its --help row wins and the PENDING row is ignored.
#
# Value completion comes from the argument's name and the help text:
#   FILE -> file names          DIR -> directories
#   USER:GROUP -> user names    an argument spelled in lower case
#   (=[always]) or a help text starting "a|b|c" -> exactly those words.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$repo/completions
mode="write"
case "${1:-}" in
--check) mode=check; out=$(mktemp -d); trap 'rm -rf "$out"' EXIT ;;
--list) mode=list ;;
"") ;;
*) echo "usage: $0 [--check|--list]" >&2; exit 2 ;;
esac

find_treesync() {
	local c
	for c in "${TREESYNC:-}" "$repo/build-docs/treesync" "$repo/build/treesync" \
	    "$(command -v treesync 2>/dev/null || true)"; do
		[ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
	done
	echo "gen.sh: no treesync binary (set TREESYNC)" >&2
	return 1
}
TS=$(find_treesync)

# Options documented (man page) and completed before the binary lists them
# in --help, one --help-format line each, e.g.
#      --exclude=PATTERN        exclude files matching PATTERN
# Once an option is in --help, its --help row wins.  (Empty: rsync's filter
# options, which were here, are in --help now.)
PENDING=$(cat <<'EOF'
EOF
)

# Rows: short<TAB>long<TAB>argkind(none|req|opt)<TAB>argname<TAB>help
declare -a S=() L=() K=() A=() H=()
declare -A seen_long=() seen_short=()

add_row() {	# short long kind argname help
	if [ -n "$2" ] && [ -n "${seen_long[$2]:-}" ]; then return 0; fi
	if [ -z "$2" ] && [ -n "$1" ] && [ -n "${seen_short[$1]:-}" ]; then return 0; fi
	S+=("$1"); L+=("$2"); K+=("$3"); A+=("$4"); H+=("$5")
	[ -n "$2" ] && seen_long[$2]=1
	[ -n "$1" ] && seen_short[$1]=1
	return 0
}

# One --help line -> add_row.  Accepts "-x, --long=ARG  help",
# "    --long[=ARG]  help" and "-x  help".
parse_help_line() {
	local line=$1 re_long re_short short long spec help kind arg
	re_long='^ (-([^-[:space:]]), |    )--([A-Za-z0-9][-A-Za-z0-9]*)([^[:space:]]*)[[:space:]]+(.*)$'
	re_short='^ -([^-[:space:]])[[:space:]]+(.*)$'
	if [[ $line =~ $re_long ]]; then
		short=${BASH_REMATCH[2]} long=${BASH_REMATCH[3]}
		spec=${BASH_REMATCH[4]} help=${BASH_REMATCH[5]}
	elif [[ $line =~ $re_short ]]; then
		short=${BASH_REMATCH[1]} long="" spec="" help=${BASH_REMATCH[2]}
	else
		return 0
	fi
	case $spec in
	"") kind=none arg= ;;
	'[='*']') kind=opt arg=${spec#[=} arg=${arg%]} ;;
	'=['*']') kind=opt arg=${spec#=[} arg=${arg%]} ;;
	=*) kind=req arg=${spec#=} ;;
	*) return 0 ;;
	esac
	add_row "$short" "$long" "$kind" "$arg" "$help"
}

help_text=$("$TS" --help)
while IFS= read -r line; do
	[[ $line == "Exit status"* ]] && break
	parse_help_line "$line"
done <<<"$help_text"
ndoc=${#L[@]}
[ "$ndoc" -gt 10 ] || { echo "gen.sh: could not parse '$TS --help'" >&2; exit 1; }

while IFS= read -r line; do
	parse_help_line "$line"
done <<<"$PENDING"

# Aliases: cli_options[] rows with a NULL help.  "name" -> OPT_ID; the
# documented row with the same OPT_ID (or the name without "no-") says
# what the alias means.
accepted() {	# --name: does the binary take it?
	local msg
	msg=$("$TS" "$1" 2>&1 </dev/null || true)
	[[ $msg != *"unknown option"* ]]
}
cli_c=$repo/src/cli.c
if [ -r "$cli_c" ]; then
	table=$(awk '/cli_options\[\] = \{/ { on = 1; next } on && /^};/ { exit }
	    on { printf "%s", $0 } END { print "" }' "$cli_c" |
	    sed 's/},/}\n/g')
	declare -A id_of=()
	while IFS= read -r row; do
		[[ $row =~ \{[[:space:]]*\"([^\"]+)\",[[:space:]]*([^,]+),[[:space:]]*([a-z_]+),[[:space:]]*([A-Z_0-9]+), ]] || continue
		id_of[${BASH_REMATCH[1]}]=${BASH_REMATCH[4]}
	done <<<"$table"
	while IFS= read -r row; do
		[[ $row =~ \{[[:space:]]*\"([^\"]+)\",[[:space:]]*([^,]+),[[:space:]]*([a-z_]+),[[:space:]]*([A-Z_0-9]+),.*NULL[[:space:]]*\}[[:space:]]*$ ]] || continue
		name=${BASH_REMATCH[1]} argdecl=${BASH_REMATCH[3]} id=${BASH_REMATCH[4]}
		[ -n "${seen_long[$name]:-}" ] && continue
		accepted "--$name" || continue
		what=
		for ((i = 0; i < ndoc; i++)); do
			if [ -n "${L[$i]}" ] && [ "${id_of[${L[$i]}]:-}" = "$id" ]; then
				what="same as --${L[$i]}"
				break
			fi
		done
		if [ -z "$what" ] && [[ $name == no-* ]]; then
			base=${name#no-}
			if [ ${#base} = 1 ]; then what="turn off -$base"
			else what="turn off --$base"; fi
		fi
		[ -z "$what" ] && what="alias"
		case $argdecl in
		required_argument) kind=req ;;
		optional_argument) kind=opt ;;
		*) kind=none ;;
		esac
		add_row "" "$name" "$kind" "" "$what"
	done <<<"$table"
fi

n=${#L[@]}

if [ "$mode" = list ]; then
	for ((i = 0; i < n; i++)); do
		printf '%s\t%s\t%s\t%s\t%s\n' "${S[$i]:--}" "${L[$i]:--}" "${K[$i]}" "${A[$i]:--}" "${H[$i]}"
	done
	exit 0
fi

# The words an argument takes, if it is a closed set.
values_of() {	# index
	local i=$1 arg=${A[$1]} help=${H[$1]}
	case ${L[$i]} in
	info) echo "progress2 progress0 none"; return ;;
	esac
	if [[ $arg =~ ^[a-z0-9_|]+$ ]]; then
		echo "${arg//|/ }"
	elif [[ $help =~ ^([a-z0-9_]+(\|[a-z0-9_]+)+) ]]; then
		local v=${BASH_REMATCH[1]}
		echo "${v//|/ }"
	fi
}
# What kind of word an argument is: files, dirs, users, values, none.
arg_class() {	# index
	local v
	v=$(values_of "$1")
	if [ -n "$v" ]; then echo values; return; fi
	case ${A[$1]} in
	FILE | FILE\ * | *FILE) echo files ;;
	DIR) echo dirs ;;
	USER:GROUP | USER) echo users ;;
	*) echo none ;;
	esac
}

stamp="generated by tools/gen-completions.sh from 'treesync --help' -- do not edit"

# --- bash ----------------------------------------------------------------
wrap_words() {	# words -> lines of at most ~64 columns, continuation-indented
	local w line="" out=""
	for w in "$@"; do
		if [ -n "$line" ] && [ $((${#line} + ${#w} + 1)) -gt 64 ]; then
			out+="$line"$'\n\t\t    '
			line=$w
		else
			line+="${line:+ }$w"
		fi
	done
	printf '%s' "$out$line"
}
gen_bash() {
	local i words="" files="" dirs="" users="" none="" cases="" c
	for ((i = 0; i < n; i++)); do
		if [ -n "${L[$i]}" ]; then
			case ${K[$i]} in
			none) words+=" --${L[$i]}" ;;
			req) words+=" --${L[$i]}=" ;;
			opt) words+=" --${L[$i]} --${L[$i]}=" ;;
			esac
		fi
		[ -n "${S[$i]}" ] && words+=" -${S[$i]}"
		[ "${K[$i]}" = none ] && continue
		local names="--${L[$i]}"
		[ -z "${L[$i]}" ] && names=
		# A short option's argument is a separate word (or attached).
		[ -n "${S[$i]}" ] && [ "${K[$i]}" = req ] && names+="${names:+|}-${S[$i]}"
		[ -z "$names" ] && continue
		c=$(arg_class "$i")
		case $c in
		files) files+="${files:+|}$names" ;;
		dirs) dirs+="${dirs:+|}$names" ;;
		users) users+="${users:+|}$names" ;;
		values) cases+="		$names)
			COMPREPLY=(\$(compgen -W '$(values_of "$i")' -- \"\$cur\"))
			return ;;
" ;;
		none) [ "${K[$i]}" = req ] && none+="${none:+|}$names" ;;
		esac
	done
	local opt_only=""
	for ((i = 0; i < n; i++)); do
		[ "${K[$i]}" = opt ] && [ -n "${L[$i]}" ] && opt_only+="${opt_only:+|}--${L[$i]}"
	done
	cat <<EOF
# bash completion for treesync -*- shell-script -*-
# $stamp
#
# Install: copy to /usr/share/bash-completion/completions/treesync (or
# source it from ~/.bashrc).  Needs the bash-completion package.
# shellcheck shell=bash disable=SC2034,SC2207
# (words/cword are _init_completion's; COMPREPLY=($(compgen ...)) is the idiom)

_treesync()
{
	local cur prev words cword split
	_init_completion -s -n : || return

	# An option whose argument is optional takes it only after '=':
	# "--lock FILE" is an operand, "--lock=FILE" the lock file.
	if ! \$split; then
		case \$prev in
		${opt_only:-__none__}) prev=__operand__ ;;
		esac
	fi

	case \$prev in
${cases}		${files:-__none__})
			_filedir
			return ;;
		${dirs:-__none__})
			_filedir -d
			return ;;
		${users:-__none__})
			if [[ \$cur == *:* ]]; then
				local u=\${cur%%:*}
				COMPREPLY=(\$(compgen -P "\$u:" -g -- "\${cur#*:}"))
				__ltrim_colon_completions "\$cur"
			else
				COMPREPLY=(\$(compgen -u -- "\$cur"))
			fi
			return ;;
		${none:-__none__})
			return ;;
	esac
	\$split && return

	if [[ \$cur == -* ]]; then
		COMPREPLY=(\$(compgen -W '$(wrap_words $words)' -- "\$cur"))
		[[ \${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi

	# Operands: SRC... DEST, directories above all, files for one-file copies.
	_filedir
} &&
	complete -F _treesync treesync

# ex: filetype=sh
EOF
}

# --- zsh -----------------------------------------------------------------
zq() {	# quote for a zsh _arguments spec inside single quotes
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\'/\'\\\'\'}
	s=${s//[/\\[}
	s=${s//]/\\]}
	s=${s//:/\\:}
	printf '%s' "$s"
}
gen_zsh() {
	# Options that count when repeated (-vv, -ii, -hh, -FF) or that add up
	# (--filter, --exclude, ...).
	local repeatable="v i h F f q filter exclude include exclude-from include-from chmod info"
	local i spec action c ex desc
	echo "#compdef treesync"
	echo "# zsh completion for treesync"
	echo "# $stamp"
	echo "#"
	echo "# Install: put this file in a directory of \$fpath (e.g."
	echo "# /usr/share/zsh/vendor-completions/_treesync), or source it after compinit."
	echo
	echo "_treesync() {"
	echo "	local -a args"
	echo "	args=("
	for ((i = 0; i < n; i++)); do
		desc=$(zq "${H[$i]}")
		action=
		if [ "${K[$i]}" != none ]; then
			c=$(arg_class "$i")
			case $c in
			files) action=_files ;;
			dirs) action="_files -/" ;;
			users) action=_users ;;
			values) action="($(values_of "$i"))" ;;
			none) action=" " ;;
			esac
			local msg=${A[$i]:-value}
			msg=$(zq "${msg,,}")
		fi
		ex=
		if [[ " $repeatable " == *" ${S[$i]:-${L[$i]}} "* ]]; then
			ex="*"
		elif [ -n "${S[$i]}" ] && [ -n "${L[$i]}" ]; then
			ex="(-${S[$i]} --${L[$i]})"
		fi
		# Short forms.
		if [ -n "${S[$i]}" ]; then
			spec="-${S[$i]}"
			[ "${K[$i]}" = req ] && spec+="+"
			if [ "${K[$i]}" = req ]; then
				echo "		'${ex}${spec}[${desc}]:${msg}:${action}'"
			else
				echo "		'${ex}${spec}[${desc}]'"
			fi
		fi
		if [ -n "${L[$i]}" ]; then
			case ${K[$i]} in
			none) echo "		'$ex--${L[$i]}[$desc]'" ;;
			req) echo "		'$ex--${L[$i]}=[$desc]:$msg:$action'" ;;
			opt) echo "		'$ex--${L[$i]}=-[$desc]::$msg:$action'" ;;
			esac
		fi
	done
	echo "		'*:source or destination:_files'"
	echo "	)"
	echo "	_arguments -s -S : \$args"
	echo "}"
	echo
	echo "if [[ \$zsh_eval_context[-1] == loadautofunc ]]; then"
	echo "	_treesync \"\$@\""
	echo "else"
	echo "	compdef _treesync treesync"
	echo "fi"
}

# --- fish ----------------------------------------------------------------
fq() {	# quote for fish inside single quotes
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\'/\\\'}
	printf '%s' "$s"
}
gen_fish() {
	local i line c
	echo "# fish completion for treesync"
	echo "# $stamp"
	echo "#"
	echo "# Install: copy to ~/.config/fish/completions/treesync.fish (or"
	echo "# /usr/share/fish/vendor_completions.d/)."
	echo
	echo "complete -c treesync -e"
	echo "# Operands (SRC... DEST) are file and directory names: fish's default."
	for ((i = 0; i < n; i++)); do
		line="complete -c treesync"
		[ -n "${S[$i]}" ] && line+=" -s '$(fq "${S[$i]}")'"
		[ -n "${L[$i]}" ] && line+=" -l '${L[$i]}'"
		if [ "${K[$i]}" = req ]; then
			# A required argument: "--opt=ARG" or "--opt ARG".
			case $(arg_class "$i") in
			files) line+=" -r -F" ;;
			dirs) line+=" -x -a '(__fish_complete_directories)'" ;;
			users) line+=" -x -a '(__fish_complete_users)'" ;;
			values) line+=" -x -a '$(values_of "$i")'" ;;
			none) line+=" -x" ;;
			esac
		elif [ "${K[$i]}" = opt ]; then
			# An optional argument: only "--opt=ARG"; a separate word
			# is an operand, so no -r.
			case $(arg_class "$i") in
			files) line+=" -F" ;;
			values) line+=" -f -a '$(values_of "$i")'" ;;
			esac
		fi
		line+=" -d '$(fq "${H[$i]}")'"
		echo "$line"
	done
}

gen_bash >"$out/treesync.bash"
gen_zsh >"$out/_treesync"
gen_fish >"$out/treesync.fish"

if [ "$mode" = check ]; then
	rc=0
	for f in treesync.bash _treesync treesync.fish; do
		if ! diff -u "$repo/completions/$f" "$out/$f" >&2; then
			echo "gen.sh: completions/$f is stale: run tools/gen-completions.sh" >&2
			rc=1
		fi
	done
	exit $rc
fi
echo "gen.sh: wrote $out/treesync.bash, $out/_treesync, $out/treesync.fish ($n options, from $TS)"
