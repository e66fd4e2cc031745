#!/bin/bash
# Installs what is missing, builds treesync three ways and runs the whole
# test suite: the normal build (unit + functional + differential tests
# against rsync), then under AddressSanitizer+UBSan, then the unit tests
# and the parallel functional tests under ThreadSanitizer.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/deps.sh"
jobs=$(nproc)

build() {	# build DIR [cmake options...]
	local dir=$1; shift
	cmake -S "$top" -B "$dir" -DTREESYNC_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$jobs" >/dev/null
}

echo "== build (RelWithDebInfo) and run every test"
build "$top/build"
(cd "$top/build" && ctest --output-on-failure)

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: unit, functional and filter tests"
# (The file-system, reliability and operator suites test the kernel's and
# the process's behaviour; the normal build runs them.)
build "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug -DTREESYNC_SANITIZE=ON
(cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1 \
	ctest --output-on-failure -E 'filesystems|reliability|operations|fuzz')

echo "== ThreadSanitizer: unit tests and the parallel functional tests"
build "$top/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DTREESYNC_TSAN=ON
(cd "$top/build-tsan" && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R unit)
TREESYNC="$top/build-tsan/treesync" TSAN_OPTIONS=halt_on_error=1 \
	bash "$top/tests/func/run.sh" 't0130|t0010|t0030|t0090|t0300|t0400'
