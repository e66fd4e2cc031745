#!/bin/bash
# --progress on 2 and 3 simulated hosts, against plain treesync on the
# same trees (an initial copy of the scenario tree):
#  - off a terminal (-ai --progress): the sorted -i lines are plain
#    treesync's, every '>f' line is followed by its file's per-file line
#    in rsync's shape ("\r  SIZE 100% RATE H:MM:SS (xfr#N, ir-chk=L/T)",
#    the size that file's), as many per-file lines as files copied, and
#    nothing else (no live line, no stray '\r' redraw);
#  - --progress=always (the live line rank 0 draws on stderr): its last
#    state counts every rank's files and bytes ("N/N files  B/B"), the
#    same as plain treesync's, though other ranks copied files;
#  - --info=progress2: one line for the run, drawn by rank 0 only, whose
#    last state has plain treesync's byte count and xfr# (every rank's).
. "$(dirname "$0")/lib.sh"
need_simhost
need_tsm
describe "--progress across ranks"
LFS=latency_us=300,timeout=0
tsm_setup

# plain ARGS...: plain treesync into an empty DEST; output in $T/plain.out.
plain() {
	reset_dst empty
	"$TREESYNC" "$@" "$B/src/" "$B/dst/" >"$T/plain.out" 2>&1 || fail "treesync $* exited $?"
}

# The last state of a line redrawn with '\r' in FILE matching RE.
last_state() { tr '\r' '\n' <"$1" | grep -E "$2" | tail -1; }

final_re='^[ 0-9,]{15} 100% [ 0-9.]{4}[0-9.]{3}[kMG]B/s ( {3}[0-9]| {2}[0-9]{2}| [0-9]{3}|[0-9]{4}):[0-9]{2}:[0-9]{2} \(xfr#[0-9]+, ir-chk=[0-9]+/[0-9]+\)$'

# per_file OUT: checks the -i and per-file lines of OUT; prints the
# number of per-file lines.
per_file() {
	python3 - "$1" "$B/src" "$final_re" <<-'PY'
	import os, re, sys
	out, src, final_re = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
	text = open(out, "rb").read().decode()
	lines = text.split("\n")
	n = 0
	for i, l in enumerate(lines):
	    if l.startswith("\r"):
	        if not final_re.match(l[1:]):
	            sys.exit("not rsync's per-file line: %r" % l)
	        prev = lines[i - 1] if i else ""
	        if not prev.startswith(">f"):
	            sys.exit("a per-file line not after a '>f' line: %r" % l)
	        size = os.path.getsize(os.path.join(src, prev[12:]))
	        if int(l[1:16].replace(",", "")) != size:
	            sys.exit("per-file line of %s: %s, not %d" % (prev[12:], l[1:16].strip(), size))
	        n += 1
	    elif l.startswith(">f") and not (i + 1 < len(lines) and lines[i + 1].startswith("\r")):
	        sys.exit("no per-file line after %r" % l)
	    elif "\r" in l:
	        sys.exit("a stray redraw: %r" % l)
	print(n)
	PY
}

plain -ai --progress
items "$T/plain.out" >"$T/plain.items"
nplain=$(per_file "$T/plain.out") || fail "plain treesync: $nplain"
plain -ai --progress=always
live_re='^[0-9]+/[0-9]+ files  [0-9.]+ [KMG]?i?B/[0-9.]+ [KMG]?i?B'
plive=$(last_state "$T/plain.out" "$live_re" | sed -E 's/^([0-9]+\/[0-9]+ files  [^ ]+ [^ ]+).*/\1/')
[ -n "$plive" ] || { note_file "$T/plain.out"; fail "plain treesync drew no live line"; }
plain -a --info=progress2
p2_re='^ +[0-9,]+ +[0-9]+% .*\(xfr#[0-9]+, ir-chk=[0-9]+/[0-9]+\)$'
pp2=$(last_state "$T/plain.out" "$p2_re" | sed -E 's/^ +([0-9,]+) .*xfr#([0-9]+),.*/\1 bytes, xfr#\2/')
[ -n "$pp2" ] || { note_file "$T/plain.out"; fail "plain treesync drew no progress2 line"; }
note "plain treesync: $nplain per-file lines; live line '$plive'; progress2 '$pp2'"

for np in 2 3; do
	reset_dst empty
	run "$np" -ai --progress
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$np ranks, --progress: exit $MPI_RC"; }
	items "$T/mpi.out" | diff "$T/plain.items" - >"$T/diff" ||
		{ note_file "$T/diff"; fail "$np ranks, --progress: the -i lines are not plain treesync's"; }
	n=$(per_file "$T/mpi.out") || { note_file "$T/mpi.out"; fail "$np ranks, --progress: $n"; }
	[ "$n" = "$nplain" ] || fail "$np ranks, --progress: $n per-file lines, not $nplain"
	others=$(cat "$T"/spread.rank[1-9] | awk '{ for (i = 1; i < NF; i++) if ($i == "copied") s += $(i + 1) } END { print s + 0 }')
	note "$np ranks, --progress: $n per-file lines, $others files copied by ranks 1.."

	reset_dst empty
	run "$np" -ai --progress=always
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$np ranks, --progress=always: exit $MPI_RC"; }
	live=$(last_state "$T/mpi.out" "$live_re" | sed -E 's/^([0-9]+\/[0-9]+ files  [^ ]+ [^ ]+).*/\1/')
	others=$(cat "$T"/spread.rank[1-9] | awk '{ for (i = 1; i < NF; i++) if ($i == "copied") s += $(i + 1) } END { print s + 0 }')
	note "$np ranks, live line: '$live' ($others files copied by ranks 1..)"
	[ "$others" -gt 0 ] || note "$np ranks: ranks 1.. copied nothing (the check below proves less)"
	[ "$live" = "$plive" ] || { note_file "$T/mpi.out"; fail "$np ranks: the live line ends at '$live', not plain treesync's '$plive'"; }

	reset_dst empty
	run "$np" -a --info=progress2
	[ "$MPI_RC" = 0 ] || { note_file "$T/mpi.out"; fail "$np ranks, progress2: exit $MPI_RC"; }
	p2=$(last_state "$T/mpi.out" "$p2_re" | sed -E 's/^ +([0-9,]+) .*xfr#([0-9]+),.*/\1 bytes, xfr#\2/')
	[ "$p2" = "$pp2" ] || { note_file "$T/mpi.out"; fail "$np ranks: progress2 ends at '$p2', not '$pp2'"; }
	[ "$(tr '\r' '\n' <"$T/mpi.out" | grep -cE "$p2_re")" -ge 1 ] || fail "$np ranks: no progress2 line"
	[ "$(tail -c 1 "$T/mpi.out" | od -An -c | tr -d ' ')" = '\n' ] || fail "$np ranks: progress2 output does not end with a newline"
done
pass "2 and 3 ranks: per-file lines with their files, the live line and progress2 count every rank's files and bytes"
