#!/bin/bash
# Runs the MPI tests: the work queue of src/mpi under mpirun (1 to 4
# ranks) and the simulated-hosts harness.
#
#   tests/mpi/run.sh [PATTERN]
#
# Runs every tNNNN-*.sh here (those whose name contains PATTERN), each
# under a timeout (TEST_TIMEOUT, default 240 s); prints PASS/FAIL/SKIP per
# test and, last,
#   N passed, N failed, N skipped
# Exits 0 iff nothing failed, 77 if everything was skipped (no Open MPI).
# Environment: see lib.sh (MPIEXEC, MPI_QUEUE_TEST, LATENCYFS), VERBOSE=1
# shows every test's notes.

here=$(cd -- "$(dirname -- "$0")" && pwd)
pattern=${1:-}
timeout_s=${TEST_TIMEOUT:-240}
out=$(mktemp "${TMPDIR:-/tmp}/tsmpi-run.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT

npass=0 nfail=0 nskip=0
shopt -s nullglob
for t in "$here"/t[0-9][0-9][0-9][0-9]-*.sh; do
	name=$(basename -- "$t" .sh)
	if [ -n "$pattern" ] && [[ $name != *$pattern* ]]; then continue; fi
	t0=$(date +%s.%N)
	timeout -k 10 "$timeout_s" bash "$t" </dev/null >"$out" 2>&1
	rc=$?
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	last=$(grep -E '^(PASS|FAIL|SKIP): ' "$out" | tail -n1)
	last=${last#*: }
	last=${last#*: }
	case $rc in
	0)
		npass=$((npass + 1))
		printf 'PASS  %-34s %5ss\n' "$name" "$secs"
		[ "${VERBOSE:-0}" = 1 ] && grep -v '^PASS: ' "$out" ;;
	77)
		nskip=$((nskip + 1))
		printf 'SKIP  %-34s %5ss  %s\n' "$name" "$secs" "$last" ;;
	*)
		nfail=$((nfail + 1))
		case $rc in 124 | 137) why="timed out after ${timeout_s}s" ;; *) why="exit $rc" ;; esac
		printf 'FAIL  %-34s %5ss  (%s) %s\n' "$name" "$secs" "$why" "$last"
		tail -n 80 -- "$out" | sed 's/^/      /' ;;
	esac
done
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -gt 0 ] && exit 1
[ "$npass" -eq 0 ] && [ "$nskip" -gt 0 ] && exit 77
exit 0
