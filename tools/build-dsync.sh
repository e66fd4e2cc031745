#!/bin/bash
# Builds mpifileutils' dsync (the oracle and the yardstick for treesync's MPI
# layer, bench/mpi/) from git snapshots of hpc/mpifileutils, hpc/libcircle,
# LLNL/lwgrp and LLNL/dtcmp, with Debian's Open MPI, outside the repository.
#
#   tools/build-dsync.sh            # -> $MPI_PREFIX/install/bin/dsync
#
# Inputs (environment):
#   MIRROR      where the snapshots are: $MIRROR/<owner>+<name>/repo is a
#               bare git directory (default /work/.mirror)
#   MPI_PREFIX  where to build: src/, build/ and install/ below it
#               (default /work/mpi)
#   MFU_REV, CIRCLE_REV, LWGRP_REV, DTCMP_REV
#               the commits to build (defaults: the ones measured in
#               bench/mpi/RESULTS.md); "HEAD" takes the snapshot's newest
#   JOBS        make -j (default: nproc)
#
# Exits 77 (skipped, with a line saying why) when a snapshot, mpicc,
# autotools or cmake is missing; tools/deps.sh installs the packages.
# Nothing of these projects is copied into treesync: they are built and run
# as a separate program.
set -euo pipefail

MIRROR=${MIRROR:-/work/.mirror}
MPI_PREFIX=${MPI_PREFIX:-/work/mpi}
JOBS=${JOBS:-$(nproc)}
MFU_REV=${MFU_REV:-2dbcf1c14fd8926b163b83391322f0c97dc60620}
CIRCLE_REV=${CIRCLE_REV:-406a0464795ef5db783971e578a798707ee79dc8}
LWGRP_REV=${LWGRP_REV:-7d8520d79d2a817fe3a8051b323183a8dd37ed2a}
DTCMP_REV=${DTCMP_REV:-bbd720f6db41106380b11610ebb893f3edd47c47}

skip() {
	echo "build-dsync: SKIP: $*" >&2
	exit 77
}

for c in mpicc cmake autoreconf libtoolize make git; do
	command -v "$c" >/dev/null ||
		skip "$c not found (tools/deps.sh installs openmpi-bin libopenmpi-dev autoconf automake libtool)"
done

# name:owner+repo:rev:variable naming rev
srcs=(
	"libcircle:hpc+libcircle:$CIRCLE_REV:CIRCLE_REV"
	"lwgrp:LLNL+lwgrp:$LWGRP_REV:LWGRP_REV"
	"dtcmp:LLNL+dtcmp:$DTCMP_REV:DTCMP_REV"
	"mpifileutils:hpc+mpifileutils:$MFU_REV:MFU_REV"
)
for s in "${srcs[@]}"; do
	IFS=: read -r name repo rev var <<<"$s"
	gd=$MIRROR/$repo/repo
	[ -d "$gd" ] || skip "no snapshot of ${repo/+//} at $gd (fetch it first)"
	git --git-dir="$gd" cat-file -e "$rev^{commit}" 2>/dev/null ||
		skip "snapshot $gd lacks commit $rev (set $var=HEAD to take its newest)"
done

inst=$MPI_PREFIX/install
mkdir -p "$MPI_PREFIX/src" "$MPI_PREFIX/build" "$inst"
log=$MPI_PREFIX/build.log
: >"$log"
echo "build-dsync: building in $MPI_PREFIX (log: $log)"

# Extracts one snapshot into $MPI_PREFIX/src/NAME, fresh, and records which
# commit it is.
extract() {
	local name=$1 repo=$2 rev=$3 gd=$MIRROR/$2/repo dir=$MPI_PREFIX/src/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	git --git-dir="$gd" archive --format=tar "$rev" | tar -x -C "$dir"
	git --git-dir="$gd" rev-parse "$rev^{commit}" >"$dir/.commit"
	echo "build-dsync: $name ${repo/+//} @ $(cut -c1-12 "$dir/.commit")"
}

# The three libraries are autotools projects without a generated configure
# in git: autogen.sh (autoreconf) first.
autotools() {
	local name=$1
	shift
	(
		cd "$MPI_PREFIX/src/$name"
		if [ -x ./autogen.sh ]; then ./autogen.sh; else autoreconf -fi; fi
		CC=mpicc ./configure --prefix="$inst" "$@"
		make -j"$JOBS"
		make install
	) >>"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		echo "build-dsync: $name failed (see $log)" >&2
		exit 1
	}
}

for s in "${srcs[@]}"; do
	IFS=: read -r name repo rev _ <<<"$s"
	extract "$name" "$repo" "$rev"
done

autotools libcircle
autotools lwgrp
autotools dtcmp --with-lwgrp="$inst"

# mpifileutils: CMake.  libarchive only serves dtar (not needed here) and
# Debian 12's is older than the 3.5.1 it asks for on some paths: off.
bd=$MPI_PREFIX/build/mpifileutils
rm -rf "$bd"
{
	cmake -S "$MPI_PREFIX/src/mpifileutils" -B "$bd" \
		-DCMAKE_C_COMPILER=mpicc -DCMAKE_CXX_COMPILER=mpicxx \
		-DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_INSTALL_PREFIX="$inst" \
		-DWITH_DTCMP_PREFIX="$inst" -DWITH_LibCircle_PREFIX="$inst" \
		-DENABLE_LIBARCHIVE=OFF -DENABLE_XATTRS=ON &&
		cmake --build "$bd" -j"$JOBS" &&
		cmake --install "$bd"
} >>"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	echo "build-dsync: mpifileutils failed (see $log)" >&2
	exit 1
}

"$inst/bin/dsync" --help >/dev/null 2>&1 || [ -x "$inst/bin/dsync" ] || {
	echo "build-dsync: $inst/bin/dsync was not installed" >&2
	exit 1
}
echo "build-dsync: ok: $inst/bin/dsync"
