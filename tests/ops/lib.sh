# tests/ops/lib.sh -- sourced by every tests/ops/t*.sh.
#
# It sources ../lib/common.sh (temp dir $T, cleanup, verdicts,
# prerequisites, ts, bg_start/wait_pid, temp-file helpers: see there).
# A test calls `desc "what it checks"`, then `check`/`bad`/`ok` as it
# goes, and ends with `finish` (exit 0 if nothing was bad, 1 otherwise);
# `skip "reason"` exits 77 at once (1 if a check already failed).  Every
# background process started with `bg_start` is killed at exit.
#
# Environment:
#   TREESYNC        binary under test (default REPO/build/treesync)
#   TSOPS_MAN       the man page            (default REPO/man/treesync.1)
#   TSOPS_COMPDIR   the completion files    (default REPO/completions)
#   TSOPS_SCHEMADIR the JSON Schemas        (default REPO/docs/json-schema)
#   TSOPS_THROTTLE  cgroup (default: use a CPU-quota cgroup if one can be
#                   made) or none (big files instead)
#   KEEP_TMP=1      keep $T and print its path

OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$OPS_DIR/../lib/common.sh"
export LC_ALL=C.UTF-8 TZ=UTC

MAN=${TSOPS_MAN:-$REPO/man/treesync.1}
COMPDIR=${TSOPS_COMPDIR:-$REPO/completions}
SCHEMADIR=${TSOPS_SCHEMADIR:-$REPO/docs/json-schema}
NAME=$TEST_NAME

# Throttled treesync runs do not obey a TERM in time: kill -9, then reap
# every child, then remove the cgroup (throttle_init).
BG_KILL_SIGNAL=KILL
CG=""
_ops_cleanup() {
	wait 2>/dev/null
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		# Processes still exiting keep the cgroup busy for a moment.
		local n=0
		while ! rmdir "$CG" 2>/dev/null && [ "$n" -lt 50 ]; do
			[ -s "$CG/cgroup.procs" ] && xargs -r kill -9 <"$CG/cgroup.procs" 2>/dev/null
			sleep 0.1
			n=$((n + 1))
		done
	fi
}
tmpdir_init tsops
at_exit _ops_cleanup

# desc TEXT: what the test checks (run.sh shows it).  ok/bad/check report
# one check each; finish is the verdict (common.sh).
desc() { describe "$*"; echo "== $NAME: $*"; }
ok() { echo "  ok: $*"; }
bad() { check_fail "$@"; }
finish() { verdict; }
# check "message" command...: ok if the command succeeds, bad otherwise.
check() {
	local msg=$1
	shift
	if "$@"; then ok "$msg"; else bad "$msg"; fi
}
# show FILE [LINES]: the first lines of a file, indented (for failures).
show() { note_file "$1" "${2:-10}"; }

# snap DIR: one line per entry with type, mode, owner, size, mtime,
# ctime, inode, link count, symlink target and a hash of the content.  Two
# equal snapshots mean nothing in the tree was written.
snap() {
	(cd "$1" && find . -printf '%p\t%y\t%m\t%U:%G\t%s\t%T@\t%C@\t%i\t%n\t%l\n' | LC_ALL=C sort |
	    while IFS=$'\t' read -r p y rest; do
		h=-
		[ "$y" = f ] && h=$(sha1sum <"$p" | cut -c1-16)
		printf '%s\t%s\t%s\t%s\n' "$p" "$y" "$rest" "$h"
	    done)
}

# --- slow copies -------------------------------------------------------
#
# Signals, locks and progress need a copy that lasts a couple of seconds.
# Page-cache copies are fast, so treesync runs slowed down, through the
# wrapper $SLOW (which execs it: the pid stays treesync's):
#   cgroup  a CPU-quota cgroup (v1 cpu or v2 cpu.max), 2% of one CPU: a
#           64 MiB copy takes ~2 s (the default, when it can be made);
#   stop    a background loop that SIGSTOPs/SIGCONTs the process (~10%
#           running), with 384 MiB files (the fallback without a cgroup);
#   none    no slowing down, 1 GiB files.
# TSOPS_THROTTLE chooses (default: cgroup, else stop).  A second argument
# "no-stop" makes the fallback "none" (SIGSTOP/SIGCONT interrupt syscalls,
# which hides what t4086 looks for).
throttle_init() {	# [quota_us per 100 ms, default 2000] [no-stop]
	local quota=${1:-2000} mode=${TSOPS_THROTTLE:-cgroup}
	SLOW=$T/slow
	if [ "$mode" = cgroup ]; then
		if [ -w /sys/fs/cgroup/cpu ] && [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
			CG=/sys/fs/cgroup/cpu/tsops.$$.$RANDOM
			mkdir "$CG" 2>/dev/null &&
			    echo 100000 >"$CG/cpu.cfs_period_us" &&
			    echo "$quota" >"$CG/cpu.cfs_quota_us" || CG=""
		elif [ -e /sys/fs/cgroup/cgroup.subtree_control ] &&
		    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
			CG=/sys/fs/cgroup/tsops.$$.$RANDOM
			mkdir "$CG" 2>/dev/null &&
			    echo "$quota 100000" >"$CG/cpu.max" || CG=""
		fi
		[ -n "$CG" ] || mode=stop
	fi
	[ "$mode" = stop ] && [ "${2:-}" = no-stop ] && mode=none
	case $mode in
	cgroup)
		BIG_MB=64
		printf '#!/bin/sh\necho $$ >"%s/cgroup.procs" || exit 99\nexec "$@"\n' "$CG" >"$SLOW"
		;;
	stop)
		BIG_MB=384
		note "no CPU-quota cgroup: slowing treesync down with SIGSTOP/SIGCONT, ${BIG_MB} MiB files"
		printf '%s\n' '#!/bin/sh' 'pid=$$' \
		    '( while kill -STOP $pid 2>/dev/null; do sleep 0.09; kill -CONT $pid 2>/dev/null || break; sleep 0.01; done ) >/dev/null 2>&1 </dev/null &' \
		    'exec "$@"' >"$SLOW"
		;;
	*)
		BIG_MB=1024
		note "not slowing treesync down: ${BIG_MB} MiB files"
		printf '#!/bin/sh\nexec "$@"\n' >"$SLOW"
		;;
	esac
	chmod +x "$SLOW"
}

# make_big DIR [NAME]: a file of BIG_MB MiB (incompressible when throttled).
make_big() {
	mkdir -p "$1"
	if [ "$BIG_MB" -le 128 ]; then
		head -c "${BIG_MB}M" /dev/urandom >"$1/${2:-big.bin}"
	else
		dd if=/dev/zero of="$1/${2:-big.bin}" bs=1M count="$BIG_MB" status=none
	fi
}

# interrupt SIG NAME SIGNUM: a slow run of treesync -a from $S to $D, sent
# SIG once a temp file exists; checks exit 20, the one summary line, no
# temp file, no partial file.  Output in $T/NAME.out and $T/NAME.err.
interrupt() {
	local sig=$1 name=$2
	rm -rf "$D"
	bg_start "$SLOW" "$TREESYNC" -a --copy-method=readwrite "$S/" "$D/" >"$T/$name.out" 2>"$T/$name.err"
	local pid=$BG
	if ! wait_for_temp "$D" 20; then bad "$name: no temp file ever appeared"; return 1; fi
	kill -"$sig" "$pid"
	wait_pid "$pid" 20
	[ "$WRC" = 20 ] && ok "$name: exit 20" || { bad "$name: exit $WRC (want 20)"; show "$T/$name.err"; }
	local n
	n=$(grep -c "interrupted by signal" "$T/$name.err")
	[ "$n" = 1 ] && ok "$name: one summary line: $(grep "interrupted by signal" "$T/$name.err")" ||
	    { bad "$name: $n 'interrupted by signal' lines on stderr"; show "$T/$name.err"; }
	tail -1 "$T/$name.err" | grep -q "interrupted by signal $3" && ok "$name: the summary is the last line and names signal $3" ||
	    bad "$name: the last stderr line is not the summary for signal $3: '$(tail -1 "$T/$name.err")'"
	[ "$(count_temps "$D")" = 0 ] && ok "$name: no *.tstmp left" ||
	    bad "$name: temp files left: $(list_temps "$D" | tr '\n' ' ')"
	if [ -e "$D/big.bin" ] && ! cmp -s "$S/big.bin" "$D/big.bin"; then
		bad "$name: a partial big.bin under its final name"
	else ok "$name: no partial file under a final name"
	fi
	return 0
}

# The long options of `treesync --help` (one per line, without "--").
help_longs() {
	"$TREESYNC" --help | sed -n '/^Options/,/^Exit status/p' |
	    grep -oE '^ (-[^- ], |    )--[A-Za-z0-9][-A-Za-z0-9]*' |
	    sed -E 's/.*--//' | sort -u
}
# The short options of `treesync --help` (one letter per line).
help_shorts() {
	"$TREESYNC" --help | sed -n '/^Options/,/^Exit status/p' |
	    grep -oE '^ -[^- ]([, ]|$)' | cut -c3 | sort -u
}
# Accepted aliases: rows of cli_options[] in src/cli.c whose help is NULL.
cli_aliases() {
	[ -r "$REPO/src/cli.c" ] || return 0
	awk '/cli_options\[\] = \{/ { on = 1; next } on && /^};/ { exit }
	    on { printf "%s", $0 } END { print "" }' "$REPO/src/cli.c" |
	    sed 's/},/}\n/g' |
	    sed -nE 's/^[[:space:]]*\{[[:space:]]*"([^"]+)",.*NULL[[:space:]]*,[[:space:]]*NULL[[:space:]]*\}[[:space:]]*$/\1/p' |
	    sort -u
}
# Options documented ahead of --help (e.g. rsync's filter options while they
# were being added): tolerated, with a note, where --help does not have them
# yet.  Keep in step with PENDING in tools/gen-completions.sh.  Empty now.
PENDING_LONGS=""
PENDING_SHORTS=""
