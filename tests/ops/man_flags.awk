# man_flags.awk -- reads `mandoc -T tree` output of an mdoc page and prints
# one line per argument of every Fl macro: "item<TAB>ARG" when the Fl is in
# the head of a list item (.It Fl ...: where an option is documented),
# "text<TAB>ARG" elsewhere.  ARG is as written after Fl: "-verbose" is the
# option --verbose, "v" the option -v.
function indent(s) { match(s, /^ */); return RLENGTH }
{
	ind = indent($0)
	line = substr($0, ind + 1)
	if (in_head && ind <= head_ind) in_head = 0
	if (in_fl && ind <= fl_ind) in_fl = 0
	if (line ~ /^It \(head\)/) { in_head = 1; head_ind = ind; next }
	if (line ~ /^Fl \(elem\)/) { in_fl = 1; fl_ind = ind; next }
	if (in_fl && line ~ / \(text\) /) {
		arg = line
		sub(/ \(text\) .*/, "", arg)
		print (in_head ? "item" : "text") "\t" arg
	}
}
