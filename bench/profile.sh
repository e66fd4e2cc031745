#!/bin/bash
# bench/profile.sh -- where treesync's time goes, on the small tree.
#
#   bench/profile.sh [--quick]
#
# 1. syscalls per entry (strace -c -f) of the no-op resync (-a --delete)
#    and of the initial copy: treesync vs rsync (and cp for the copy);
# 2. perf profiles (kernel + user, call graphs) of treesync's no-op resync
#    and initial copy, built with symbols and frame pointers;
# 3. callgrind instruction counts of the same two runs at -j 1 (user space
#    only: what the engine itself costs, apart from the kernel).
#
# Reports (text) go to $OUT (default bench/results/profile/).  The trees
# live on a fresh loop-mounted ext4 (see run.py: other processes' deletes
# on the shared root fs make creates slow), removed at exit with the temp
# dir and the profiling build.  Env: TREESYNC_PROF=binary with symbols
# (default: built here from the work tree, RelWithDebInfo +
# -fno-omit-frame-pointer), OUT, BENCH_TMP.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
OUT=${OUT:-$HERE/results/profile}
QUICK=
[ "${1:-}" = "--quick" ] && QUICK=--quick

for t in strace perf valgrind mkfs.ext4 rsync; do
	command -v "$t" >/dev/null || { echo "profile.sh: $t missing (apt-get install $t)" >&2; exit 1; }
done

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/treesync-prof.XXXXXX")
LOOP=
cleanup() {
	set +e
	mountpoint -q "$WORK/fs" && umount "$WORK/fs"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$OUT" "$WORK/fs"
log() { printf '[profile %s] %s\n' "$(date +%T)" "$*" >&2; }

TS=${TREESYNC_PROF:-}
if [ -z "$TS" ]; then
	log "building treesync with symbols and frame pointers in $WORK/build"
	cmake -S "$REPO" -B "$WORK/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_FLAGS="-fno-omit-frame-pointer" >/dev/null
	cmake --build "$WORK/build" -j2 --target treesync >/dev/null
	TS=$WORK/build/treesync
fi

truncate -s 8G "$WORK/ext4.img"
mkfs.ext4 -q -F -i 4096 -E lazy_itable_init=1,lazy_journal_init=1 "$WORK/ext4.img"
LOOP=$(losetup --direct-io=on -f --show "$WORK/ext4.img")
mount -o noinit_itable "$LOOP" "$WORK/fs"
D=$WORK/fs
python3 "$HERE/gen.py" small "$D/src" $QUICK >&2
cp -a "$D/src" "$D/mirror"
"$TS" -a --delete "$D/src/" "$D/mirror/"
rsync -a --delete "$D/src/" "$D/mirror/"
ENTRIES=$(find "$D/src" | wc -l)
log "$ENTRIES entries (files + dirs, with the root)"

# --- 1. syscalls ---------------------------------------------------------
summary=$OUT/syscalls.md
{
	echo "# syscalls per entry, small tree ($ENTRIES entries), $(date -I)"
	echo
	echo "strace -c -f (all threads and child processes), warm cache."
	echo
	echo "| run | syscalls | per entry | top calls (count) |"
	echo "|---|---:|---:|---|"
} >"$summary"
straced() {	# NAME CMD...
	local name=$1; shift
	sync
	strace -c -f -o "$OUT/strace-$name.txt" "$@" >/dev/null
	python3 - "$name" "$ENTRIES" "$OUT/strace-$name.txt" >>"$summary" <<'PY'
import re, sys
name, entries, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls, total = {}, 0
for line in open(path):
    f = line.split()
    if len(f) >= 5 and re.match(r"^[0-9.]+$", f[0]) and f[3].isdigit():
        if f[-1] == "total":
            total = int(f[3])
        else:
            calls[f[-1]] = int(f[3])
top = sorted(calls.items(), key=lambda kv: -kv[1])[:8]
print("| %s | %d | %.2f | %s |" % (name, total, total / entries,
      ", ".join("%s %d (%.2f/entry)" % (c, n, n / entries) for c, n in top)))
PY
}
log "strace: no-op resyncs"
straced noop-treesync "$TS" -a --delete "$D/src/" "$D/mirror/"
straced noop-treesync-j1 "$TS" -j 1 -a --delete "$D/src/" "$D/mirror/"
straced noop-rsync rsync -a --delete "$D/src/" "$D/mirror/"
log "strace: initial copies"
straced initial-treesync "$TS" -a "$D/src/" "$D/i-ts/"
straced initial-rsync rsync -a "$D/src/" "$D/i-rsync/"
straced initial-cp cp -a "$D/src" "$D/i-cp"
rm -rf "$D/i-ts" "$D/i-rsync" "$D/i-cp"
cat "$summary" >&2

# --- 2. perf -------------------------------------------------------------
perfrep() {	# NAME: flat profile by symbol, and by DSO
	local name=$1
	perf report -i "$WORK/$name.data" --no-children --stdio --sort sym \
	    --percent-limit 0.5 -g none 2>/dev/null | grep -v '^$' >"$OUT/perf-$name.txt" || true
	perf report -i "$WORK/$name.data" --no-children --stdio --sort dso \
	    -g none 2>/dev/null | grep -E '^ +[0-9]' >"$OUT/perf-$name-dso.txt" || true
	# inclusive time per syscall and per engine function
	perf report -i "$WORK/$name.data" --children --stdio --sort sym \
	    --percent-limit 0.2 -g none 2>/dev/null |
	    grep -E '__x64_sys_|\[\.\] ' >"$OUT/perf-$name-inclusive.txt" || true
	perf report -i "$WORK/$name.data" --children --stdio --sort sym \
	    --percent-limit 3 -g caller,0.5,callee,function,percent --max-stack 12 \
	    2>/dev/null | grep -v "^$" | head -400 >"$OUT/perf-$name-callers.txt" || true
}
log "perf: 5 no-op resyncs"
sync
perf record -q -F 4999 -g -o "$WORK/noop.data" -- sh -c \
    "for i in 1 2 3 4 5; do '$TS' -a --delete '$D/src/' '$D/mirror/'; done" >/dev/null 2>&1
perfrep noop
log "perf: 2 initial copies"
sync
perf record -q -F 4999 -g -o "$WORK/initial.data" -- sh -c \
    "'$TS' -a '$D/src/' '$D/p1/' && sync && '$TS' -a '$D/src/' '$D/p2/'" >/dev/null 2>&1
perfrep initial
rm -rf "$D/p1" "$D/p2"

# --- 3. callgrind ----------------------------------------------------------
log "callgrind: no-op and initial at -j 1"
valgrind -q --tool=callgrind --callgrind-out-file="$WORK/cg-noop.out" \
    "$TS" -j 1 -a --delete "$D/src/" "$D/mirror/" >/dev/null
callgrind_annotate --inclusive=no "$WORK/cg-noop.out" 2>/dev/null | head -40 >"$OUT/callgrind-noop.txt" || true
callgrind_annotate --inclusive=yes "$WORK/cg-noop.out" 2>/dev/null | head -40 >"$OUT/callgrind-noop-incl.txt" || true
valgrind -q --tool=callgrind --callgrind-out-file="$WORK/cg-initial.out" \
    "$TS" -j 1 -a "$D/src/" "$D/cg/" >/dev/null
callgrind_annotate --inclusive=no "$WORK/cg-initial.out" 2>/dev/null | head -40 >"$OUT/callgrind-initial.txt" || true
callgrind_annotate --inclusive=yes "$WORK/cg-initial.out" 2>/dev/null | head -40 >"$OUT/callgrind-initial-incl.txt" || true
log "reports in $OUT"
ls -1 "$OUT" >&2
