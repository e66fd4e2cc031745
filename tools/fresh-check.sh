#!/bin/bash
# tools/fresh-check.sh -- the README's two commands on a fresh Debian 12.
#
# Builds a clean Debian 12 (bookworm) root with debootstrap in a folder,
# clones the current commit into it, and runs there, as root, with CI=true
# and no stdin, exactly what the README tells a new user to run:
#     ./tools/demo.sh
#     ./tools/test.sh
# It ends with one line per step and names the step that failed; exit 0
# iff every step succeeded.  It proves that tools/deps.sh installs
# everything the build, the demo and the whole test suite need: nothing can
# come from what happens to be installed on a developer's machine.
#
# The root is debootstrap's "minbase" variant (essential packages and apt
# only: less than any real installation has), so a missing dependency
# cannot hide behind the image; its apt sources are those of an installed
# Debian 12 (bookworm, bookworm-updates, bookworm-security).  Only the
# commit is checked (HEAD of this repository), not uncommitted changes.
# The host's /proc, /sys and /dev are bound in, /sys and /dev recursively
# (the cgroup file systems a booted machine has; loop devices, FUSE, ptys).
# With --no-cgroup, /sys is bound alone, as in a plain chroot or container:
# no CPU-quota cgroup, so the tests' fallbacks for that run instead.
#
# Cleanup is a trap that always runs (normal exit, failure, Ctrl-C,
# SIGTERM): it kills what still runs inside the root, unmounts everything
# below it (deepest first), detaches loop devices backed by its files,
# checks with findmnt that nothing is mounted below it any more, and only
# then removes it with rm -rf --one-file-system.  If a mount cannot be
# removed, the root is left in place and the mounts are listed: a recursive
# delete through a bound /dev would destroy the host's device nodes.
# `tools/fresh-check.sh --cleanup DIR` repeats that cleanup on a root left
# behind (after a kill -9 of this script).
#
# Needs: root, debootstrap (installed with apt-get if missing), git, and
# Debian's package registry (debootstrap and tools/deps.sh download from
# it).  Takes ~10 minutes on 2 cores (debootstrap and the packages ~2,
# the suite ~8); not part of CI (see the README).
#
# Usage: tools/fresh-check.sh [--keep] [--no-cgroup] [--dir PARENT] [--tarball FILE]
#   --keep          keep the root (unmounted) for a look afterwards
#   --no-cgroup     bind /sys without the file systems below it
#   --dir PARENT    make the root under PARENT (default /var/tmp); it must
#                   be a disk file system that allows devices and exec
#   --tarball FILE  debootstrap from FILE, made by a first run (saves the
#                   download on later runs; the install still runs)
#   --cleanup DIR   only unmount and remove a root left behind
# Environment: FRESH_MIRROR (Debian mirror for debootstrap, default its
# own), FRESH_SECURITY_MIRROR (default: FRESH_MIRROR's URL + "-security"),
# FRESH_TIMEOUT (seconds for ./tools/test.sh, default 5400).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
keep=0 parent=/var/tmp tarball="" cleanup_only="" sysbind=--rbind
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--no-cgroup) sysbind=--bind ;;
	--dir) parent=$2; shift ;;
	--tarball) tarball=$(realpath -m "$2"); shift ;;
	--cleanup) cleanup_only=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "fresh-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

say() { echo "fresh-check: $*"; }
die() { echo "fresh-check: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
for c in git chroot mount umount findmnt losetup; do
	command -v "$c" >/dev/null || die "$c is missing on this machine"
done

# --- cleanup ---------------------------------------------------------------

# The mount points at or below $1, deepest first (findmnt -r escapes
# blanks as \x20; our paths have none).
mounts_below() {
	findmnt -rn -o TARGET | awk -v r="$1" '$0 == r || index($0, r "/") == 1' |
	    awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

# Pids of the processes whose root directory is $1 or below it.
procs_in() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$1" | "$1"/*) echo "${p#/proc/}" ;; esac
	done
}

# clean_root DIR: everything the trap does; returns non-zero (and leaves
# DIR) if something is still mounted below it.
clean_root() {
	local r=$1 pids m loop back left
	[ -d "$r" ] || return 0
	r=$(cd "$r" && pwd -P)
	case $r in / | /dev* | /proc* | /sys* | /usr* | /etc*) say "refusing to clean '$r'"; return 1 ;; esac
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(procs_in "$r")
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill -9 $pids 2>/dev/null || true
		sleep 0.5
	done
	[ -z "$(procs_in "$r")" ] || say "processes still running in $r: $(procs_in "$r" | tr '\n' ' ')"
	for _ in 1 2 3; do
		left=$(mounts_below "$r")
		[ -n "$left" ] || break
		while read -r m; do
			[ -n "$m" ] || continue
			umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null ||
			    umount -l "$m" 2>/dev/null || true
		done <<<"$left"
	done
	losetup -l -n -O NAME,BACK-FILE 2>/dev/null | while read -r loop back; do
		case $back in "$r"/*) losetup -d "$loop" 2>/dev/null || true ;; esac
	done
	left=$(mounts_below "$r")
	if [ -n "$left" ]; then
		say "still mounted below $r (NOT removing it; unmount these, then run: $0 --cleanup $r):"
		sed 's/^/    /' <<<"$left"
		return 1
	fi
	return 0
}

remove_root() {	# DIR
	clean_root "$1" || return 1
	rm -rf --one-file-system -- "$1"
}

if [ -n "$cleanup_only" ]; then
	[ -d "$cleanup_only" ] || die "no such directory: $cleanup_only"
	remove_root "$cleanup_only" || exit 1
	say "removed $cleanup_only; findmnt shows nothing below it"
	exit 0
fi

if ! command -v debootstrap >/dev/null; then
	say "debootstrap is missing: apt-get install debootstrap"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
	    die "could not install debootstrap (apt-get install debootstrap)"
fi

commit=$(git -C "$top" rev-parse HEAD)
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
    say "note: uncommitted changes in $top are not part of the check (only commit ${commit:0:12})"

mkdir -p "$parent"
work=$(mktemp -d "$(cd "$parent" && pwd -P)/treesync-fresh.XXXXXX")
root=$work/root
log=$work.log
step_pid=""
on_exit() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	if [ -n "$step_pid" ]; then	# interrupted: end the step's process group
		say "stopping the running step"
		kill -TERM -- -"$step_pid" 2>/dev/null
		sleep 2
		kill -KILL -- -"$step_pid" 2>/dev/null
	fi
	if [ "$keep" = 1 ]; then
		clean_root "$work" && say "kept the root (unmounted): $root"
	else
		remove_root "$work" && say "removed $work"
	fi
	left=$(mounts_below "$work")
	[ -z "$left" ] && say "findmnt: nothing mounted below $work" ||
	    { say "findmnt: STILL MOUNTED below $work:"; echo "$left"; rc=1; }
	say "log: $log"
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

steps=() results=()
record() {	# step result
	steps+=("$1")
	results+=("$2")
}

# run_step NAME SECONDS COMMAND...: runs COMMAND with a time limit, its
# output into the log and (tail) onto the screen; records ok / FAILED.
# COMMAND runs in the background, under timeout's own process group, so
# that a signal to this script runs the trap at once (bash defers traps
# while a foreground command runs) and the trap can end the whole group.
run_step() {
	local name=$1 limit=$2 s rc off tail_pid
	shift 2
	echo "== fresh-check: $name" | tee -a "$log"
	s=$(date +%s)
	off=$(($(stat -c %s "$log") + 1))
	timeout -k 30 "$limit" "$@" </dev/null >>"$log" 2>&1 &
	step_pid=$!
	tail -c "+$off" -s 0.2 -f --pid="$step_pid" "$log" &
	tail_pid=$!
	rc=0
	wait "$step_pid" || rc=$?
	step_pid=""
	wait "$tail_pid" || true
	local d=$(($(date +%s) - s))
	if [ "$rc" = 0 ]; then record "$name" "$(printf 'ok      %5ss' "$d")"
	elif [ "$rc" = 124 ]; then record "$name" "$(printf 'FAILED  %5ss  (timed out after %ss)' "$d" "$limit")"
	else record "$name" "$(printf 'FAILED  %5ss  (exit %s)' "$d" "$rc")"
	fi
	return "$rc"
}

say "commit ${commit:0:12}, root $root, log $log"
: >"$log"

# 1. debootstrap.
db=(debootstrap --variant=minbase)
if [ -n "$tarball" ]; then
	if [ ! -s "$tarball" ]; then
		run_step "debootstrap --make-tarball" 1800 "${db[@]}" --make-tarball="$tarball" \
		    bookworm "$work/tb" ${FRESH_MIRROR:+"$FRESH_MIRROR"} || true
		rm -rf --one-file-system "$work/tb"
	fi
	db+=(--unpack-tarball="$tarball")
fi
ok=1 reached=0
run_step "debootstrap (bookworm, minbase)" 1800 "${db[@]}" bookworm "$root" ${FRESH_MIRROR:+"$FRESH_MIRROR"} || ok=0

# 2. Clone the commit, bind the host's /proc, /sys, /dev.
if [ "$ok" = 1 ]; then
	run_step "git clone" 300 bash -c 'git clone -q --no-hardlinks "$1" "$2" &&
	    git -C "$2" checkout -q --detach "$3" && git -C "$2" log -1 --format="cloned %h %s"' \
	    _ "$top" "$root/root/treesync" "$commit" || ok=0
fi
if [ "$ok" = 1 ]; then
	# An installed system's apt sources, from the mirror debootstrap used.
	mirror=$(awk '$1 == "deb" { print $2; exit }' "$root/etc/apt/sources.list")
	[ -z "$mirror" ] || printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
	    "$mirror" "$mirror" "${FRESH_SECURITY_MIRROR:-$mirror-security}" >"$root/etc/apt/sources.list"
	# rslave: an unmount below them (the cleanup's) must not reach the host.
	if mount -t proc proc "$root/proc" &&
	    mount "$sysbind" /sys "$root/sys" && mount --make-rslave "$root/sys" &&
	    mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"; then
		record "bind /proc, /sys, /dev" "ok"
	else
		record "bind /proc, /sys, /dev" "FAILED"
		ok=0
	fi
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
fi
if [ "$ok" = 1 ]; then
	# As CI runs it: root, CI=true, no stdin, a plain environment.
	inroot=(chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root
	    SHELL=/bin/bash TERM=dumb CI=true
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	    /bin/bash -c)
	# 3. The README's two commands, each whatever the other did.
	reached=1
	run_step "./tools/demo.sh" 1800 "${inroot[@]}" 'cd /root/treesync && ./tools/demo.sh' || ok=0
	run_step "./tools/test.sh" "${FRESH_TIMEOUT:-5400}" "${inroot[@]}" 'cd /root/treesync && ./tools/test.sh' || ok=0
fi

# test.sh's last line, if it got that far.
summary=$(tail -n1 "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed' || true)
echo "== fresh-check summary: commit ${commit:0:12} on a fresh Debian 12 (debootstrap minbase, /sys ${sysbind#--})"
for i in "${!steps[@]}"; do
	printf '  %-34s %s\n' "${steps[$i]}" "${results[$i]}"
done
[ -n "$summary" ] && echo "  test.sh summary: $summary"
failed=""
for i in "${!steps[@]}"; do
	case ${results[$i]} in ok*) ;; *) failed+="${failed:+, }${steps[$i]}" ;; esac
done
[ "$reached" = 1 ] || failed+="${failed:+, }(the README commands were not reached)"
if [ -z "$failed" ]; then
	say "PASS: both README commands succeeded on a fresh Debian 12"
	exit 0
fi
say "FAILED: $failed"
exit 1
