#!/bin/bash
# Installs what building, testing and benchmarking treesync needs, from
# Debian's packages.  Safe to run again: apt-get skips what is already there.
#
# Every command that a script under tests/, bench/, fuzz/ or tools/ runs
# comes from a package below or from Debian's essential set (coreutils,
# findutils, grep, sed, mawk, util-linux, bsdutils, mount, e2fsprogs,
# debianutils, ...), so that a fresh Debian 12 runs the whole suite:
# tools/fresh-check.sh proves it in a minimal debootstrap root.  Python
# code uses the standard library only.  When a test needs a new command,
# add its package here (or make the test skip with a message naming it).
set -euo pipefail
pkgs=(
	# build
	build-essential cmake pkg-config libxxhash-dev
	libjansson-dev libarchive-dev libfuse3-dev
	# unit tests; fuzz/ (clang's libFuzzer) and the sanitizer builds
	libcmocka-dev clang-14 libclang-rt-14-dev
	# functional tests: rsync is the oracle; xattrs, ACLs, strace
	rsync attr acl strace python3
	# tests/fs: loop-mounted file systems, FUSE (latencyfs), filefrag,
	# modprobe for a file system the kernel has not loaded yet
	util-linux fuse3 btrfs-progs xfsprogs e2fsprogs kmod
	# tests/ops: man page, completions (tmux drives zsh), JSON, pty,
	# col(1); tests/reliability: pgrep, /usr/bin/time (peak RSS)
	mandoc bash-completion zsh fish tmux jq bsdextrautils procps time
	# bench/: run.py (time, git for its report), profile.sh, plot.py
	git valgrind linux-perf gnuplot-nox
	# MPI (issue 14): Open MPI for src/mpi and tests/mpi (mpicc, mpirun;
	# TREESYNC_MPI builds nothing without it and tests/mpi skips);
	# tools/build-dsync.sh builds the dsync oracle for bench/mpi from git
	# snapshots: its libraries are autotools projects, libattr for -X
	openmpi-bin libopenmpi-dev autoconf automake libtool libattr1-dev libbz2-dev
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "tools/deps.sh: installing ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
