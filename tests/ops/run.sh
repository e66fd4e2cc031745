#!/bin/bash
# tests/ops/run.sh [PATTERN...] -- run the operator-facing tests.
#
# Runs every tests/ops/t*.sh (or those whose name contains one of the
# PATTERNs), each with a timeout, prints PASS/FAIL/SKIP per test with its
# one-line description (and the output of a failing test), and ends with
# exactly one line "N passed, N failed, N skipped".  Exit 0 iff no test
# failed.  A test exits 0 (pass), 1 (fail) or 77 (skip).
#
# Environment: TREESYNC (binary under test, default
# /work/main/build-docs/treesync), TEST_TIMEOUT (seconds per test, default
# 120), VERBOSE=1 (show the output of passing tests too); see lib.sh for
# the rest.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TREESYNC=${TREESYNC:-/work/main/build-docs/treesync}
timeout_s=${TEST_TIMEOUT:-120}

tests=()
for t in "$here"/t[0-9]*.sh; do
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for p in "$@"; do [[ $name == *"$p"* ]] && match=1; done
		[ "$match" = 1 ] || continue
	fi
	tests+=("$t")
done

pass=0 fail=0 skipped=0
failed=()
t_start=$(date +%s)
echo "tests/ops: ${#tests[@]} test(s), TREESYNC=$TREESYNC"
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	out=$(mktemp)
	s=$(date +%s.%N)
	timeout -k 10 "$timeout_s" bash "$t" >"$out" 2>&1
	rc=$?
	d=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	what=$(sed -n 's/^== [^:]*: //p' "$out" | head -1)
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS %-40s %5ss  %s\n' "$name" "$d" "$what"
	   [ "${VERBOSE:-0}" = 1 ] && sed 's/^/     /' "$out" ;;
	77) skipped=$((skipped + 1)); printf 'SKIP %-40s %5ss  %s\n' "$name" "$d" "$(grep -m1 'SKIP:' "$out" | sed 's/^ *SKIP: //')" ;;
	*) fail=$((fail + 1)); failed+=("$name")
	   [ "$rc" = 124 ] && what="$what (TIMEOUT after ${timeout_s}s)"
	   printf 'FAIL %-40s %5ss  %s\n' "$name" "$d" "$what"
	   grep -vE '^== |^  ok: ' "$out" | tail -n "${FAIL_TAIL:-40}" | sed 's/^/     /' ;;
	esac
	rm -f "$out"
done
echo "($(($(date +%s) - t_start)) s${failed[*]:+; failed: ${failed[*]}})"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
