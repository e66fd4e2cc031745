#!/bin/bash
# Installs what is missing, builds treesync three ways and runs the whole
# test suite: the normal build (unit + functional + differential tests
# against rsync), then under AddressSanitizer+UBSan, then the unit tests
# and the parallel functional tests under ThreadSanitizer.
#
# Every pass runs, whatever the one before it did, and the last line is
#     N passed, N failed, N skipped
# over all of them; the exit status is non-zero iff something failed.  The
# unit counted is a CTest entry in each build (unit_compare, t1030-delete,
# t2010-reflink-btrfs, ...: one per unit-test program and one per test
# script, see tests/README.md), and a build (or a runner) that fails
# without a count of its own as one failure.  A test that skips (exit 77:
# a missing prerequisite) is counted as skipped, not as passed.
#
# CTest runs two tests at a time (-j); the fs, reliability and ops tests
# are RUN_SERIAL (they mount, race or time things), so they run alone.
set -uo pipefail	# not -e: a failed pass must not hide the later ones
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
npass=0 nfail=0 nskip=0
failed=()
log=$(mktemp "${TMPDIR:-/tmp}/treesync-test.XXXXXX")
trap 'rm -f "$log"' EXIT

summary() {
	if [ ${#failed[@]} -gt 0 ]; then echo "== failed: ${failed[*]}"
	else echo "== every pass succeeded"
	fi
	echo "$npass passed, $nfail failed, $nskip skipped"
}

if ! "$top/tools/deps.sh"; then
	echo "tools/deps.sh failed: cannot install what the tests need"
	nfail=1 failed=(deps)
	summary
	exit 1
fi

build() {	# build DIR [cmake options...]
	local dir=$1; shift
	# Fault injection (TREESYNC_FAULTS) said, not left to the default: the
	# reliability, functional and unit tests that inject faults skip
	# without it.
	cmake -S "$top" -B "$dir" -DTREESYNC_WERROR=ON \
	    -DTREESYNC_FAULT_INJECTION=ON "$@" >/dev/null &&
	    cmake --build "$dir" -j"$jobs" >/dev/null
}

# count NAME RC: adds the last "N tests failed out of M" of the ctest
# output in $log to the totals (the tests ctest lists as "(Skipped)" are
# in M; they count as skipped); a runner that failed without saying how
# many failed counts as one failure.
count() {
	local name=$1 rc=$2 p=0 f=0 s=0 line
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
	if [ -n "$line" ]; then
		f=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
		s=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$log")
		p=$(($(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line") - f - s))
	fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	npass=$((npass + p)) nfail=$((nfail + f)) nskip=$((nskip + s))
	[ "$f" = 0 ] || failed+=("$name")
	echo "== $name: $p passed, $f failed, $s skipped"
}

# run NAME COMMAND...: runs a test runner, output to the screen, and counts.
run() {
	local name=$1 rc
	shift
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count "$name" "$rc"
}

built() {	# NAME DIR [cmake options...]: builds; a failed build is one failure
	local name=$1
	shift
	build "$@" && return 0
	echo "== $name: the build failed (cmake -S $top -B $*)"
	nfail=$((nfail + 1))
	failed+=("$name-build")
	return 1
}

echo "== build (RelWithDebInfo) and run every test"
if built normal "$top/build"; then
	run normal ctest --test-dir "$top/build" --output-on-failure -j"$jobs"
fi

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: unit, functional and filter tests"
# (The fs, reliability and ops tests test the kernel's and the process's
# behaviour; the normal build runs them, and the ASan build the few that
# push the process to its limits.)
if built asan "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTREESYNC_SANITIZE=ON; then
	run asan env ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$top/build-asan" \
	    --output-on-failure -j"$jobs" -LE '^(fs|reliability|ops|fuzz)$'
	# The reliability and ops tests that drive the process to its
	# limits: deep trees and deletion, FIFO swaps, low fd limits, plain
	# users, signals (not t4086: it measures how soon an abort lands,
	# which a Debug build under ASan cannot promise).
	run asan-limits env ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$top/build-asan" \
	    --output-on-failure -R '^(t3013|t3015|t3021|t3022|t3023|t408[0-5])-'
fi

echo "== ThreadSanitizer: unit tests and the parallel functional tests"
if built tsan "$top/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DTREESYNC_TSAN=ON; then
	run tsan-unit env TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$top/build-tsan" \
	    --output-on-failure -j"$jobs" -R '^unit_'
	run tsan-functional env TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$top/build-tsan" \
	    --output-on-failure -j"$jobs" -L '^func$' -R '^(t1130|t1010|t1030|t1090|t1300|t1400)-'
fi

summary
[ "$nfail" = 0 ]
