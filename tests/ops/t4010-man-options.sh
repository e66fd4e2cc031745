#!/bin/bash
# t4010: the man page documents exactly the options of `treesync --help`.
#
# - `mandoc -T lint -W warning` prints nothing;
# - every long option of --help has a list item ".It Fl -NAME" in the man
#   page, and every short option an item ".It ... Fl X";
# - every option the man page names with Fl exists: in --help, or as an
#   accepted alias or --no-OPTION form (--del, --no-perms, ...: the rows of
#   `treesync --completion-helper` beyond --help, src/options.def), or in
#   the PENDING list of options documented ahead of the binary (a note says
#   which; once they reach --help the note goes away by itself);
# - every alias and --no-OPTION form the binary takes is named in the man
#   page (rsync users look there for --no-x and friends).
# The Fl arguments are read from `mandoc -T tree`, so only real option
# macros count (rsync-only options are written with Ql, not Fl).
. "$(dirname "$0")/lib.sh"
desc "man page <-> --help option coverage, mandoc lint"
need_treesync
need_cmd mandoc
[ -r "$MAN" ] || { bad "no man page at $MAN"; finish; }

lint=$(mandoc -T lint -W warning "$MAN" 2>&1)
if [ -z "$lint" ]; then ok "mandoc -T lint -W warning: clean"
else
	bad "mandoc -T lint -W warning:"
	printf '%s\n' "$lint" | head -20 | sed 's/^/      | /'
fi

mandoc -T tree "$MAN" 2>/dev/null | awk -f "$OPS_DIR/man_flags.awk" >"$T/flags"
[ -s "$T/flags" ] || { bad "no Fl macros found in $MAN"; finish; }
awk -F'\t' '$1 == "item" && $2 ~ /^-[A-Za-z0-9]/ { print substr($2, 2) }' "$T/flags" | sort -u >"$T/man_item_longs"
awk -F'\t' '$1 == "item" && length($2) == 1 { print $2 }' "$T/flags" | sort -u >"$T/man_item_shorts"
awk -F'\t' '$2 ~ /^-[A-Za-z0-9].*[A-Za-z0-9]$/ { print substr($2, 2) }' "$T/flags" | sort -u >"$T/man_all_longs"

help_longs >"$T/help_longs"
help_shorts >"$T/help_shorts"
# Accepted aliases and --no-OPTION forms, from the binary's own table.
"$TREESYNC" --completion-helper | awk -F'\t' '$2 != "-" { print $2 }' | sort -u >"$T/helper_longs"
comm -23 "$T/helper_longs" "$T/help_longs" >"$T/aliases"
[ -s "$T/help_longs" ] || { bad "could not read the options of '$TREESYNC --help'"; finish; }
note "--help: $(wc -l <"$T/help_longs") long and $(wc -l <"$T/help_shorts") short options; man page: $(wc -l <"$T/man_item_longs") documented long options"

# --help -> man page.
missing=$(comm -23 "$T/help_longs" "$T/man_item_longs")
if [ -z "$missing" ]; then ok "every long option of --help has an '.It Fl -NAME' item"
else bad "options in --help but not documented (no '.It Fl -NAME'): $(echo $missing | sed 's/[^ ]*/--&/g')"
fi
missing=$(comm -23 "$T/help_shorts" "$T/man_item_shorts")
if [ -z "$missing" ]; then ok "every short option of --help has an '.It Fl X' item"
else bad "short options in --help but not documented: $(echo $missing | sed 's/[^ ]*/-&/g')"
fi

# man page -> --help (no stale docs).
stale="" pending=""
while read -r o; do
	grep -qxF -- "$o" "$T/help_longs" && continue
	if grep -qxF -- "$o" "$T/aliases"; then
		# An alias must also be taken by the binary.
		if "$TREESYNC" "--$o" 2>&1 </dev/null | grep -q "unknown option"; then
			stale+=" --$o(alias-rejected)"
		fi
		continue
	fi
	if [[ " $PENDING_LONGS " == *" $o "* ]]; then pending+=" --$o"; continue; fi
	stale+=" --$o"
done <"$T/man_all_longs"
while read -r s; do
	grep -qxF -- "$s" "$T/help_shorts" && continue
	if [[ " $PENDING_SHORTS " == *" $s "* ]]; then pending+=" -$s"; continue; fi
	stale+=" -$s"
done <"$T/man_item_shorts"
if [ -z "$stale" ]; then ok "every option the man page names exists (in --help or as an alias)"
else bad "the man page names options treesync does not have:$stale"
fi
[ -s "$T/aliases" ] || bad "'$TREESYNC --completion-helper' lists no alias or --no-OPTION form"
missing=$(comm -23 "$T/aliases" "$T/man_all_longs")
if [ -z "$missing" ]; then ok "every alias and --no-OPTION form ($(wc -l <"$T/aliases")) is named in the man page"
else bad "accepted but not in the man page: $(echo $missing | sed 's/[^ ]*/--&/g')"
fi
[ -n "$pending" ] && note "documented ahead of --help (pending, tolerated):$pending"

# The EXIT STATUS section lists every code of --help's "Exit status" text.
codes=$("$TREESYNC" --help | sed -n '/^Exit status/,$p' | grep -oE '(^|[ ,:])[0-9]{1,3} ' | tr -dc '0-9 \n' | tr ' ' '\n' | grep . | sort -un)
mandoc -T utf8 "$MAN" 2>/dev/null | col -b | sed -n '/^EXIT STATUS/,/^[A-Z]/p' >"$T/exit"
miss=""
for c in $codes; do grep -qE "^ +$c([[:space:]]|$)" "$T/exit" || miss+=" $c"; done
if [ -z "$miss" ]; then ok "EXIT STATUS lists every code of --help ($(echo $codes))"
else bad "EXIT STATUS lacks codes:$miss"
fi

# The sections the operators look for.
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "DELETION SAFETY" "EXIT STATUS" ENVIRONMENT FILES "DIFFERENCES FROM RSYNC" EXAMPLES; do
	grep -qx "\.Sh $s" "$MAN" || bad "no section '$s'"
done
grep -q TREESYNC_FAULTS "$MAN" || bad "ENVIRONMENT does not describe TREESYNC_FAULTS"
finish
