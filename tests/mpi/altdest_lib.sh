# shellcheck shell=bash
# What t0370-t0372 share: --link-dest, --compare-dest or --copy-dest on
# several simulated hosts (each rank its own FUSE mounts, so its own
# device numbers and its own view of DEST's path) against plain treesync
# and rsync.  The nightly snapshot
#     treesync-mpi -a --delete --link-dest=../prev SRC/ cur/
# must give plain treesync's result on 2 and 3 ranks with the directories
# spread (rank 1 stole directories): the same tree, the same files
# hard-linked to the same names of the alternate directories (inodes),
# the same sorted -i lines and exit code, the missing directory said once.
#
# Source it after lib.sh; then altdest_setup, altdest_suite OPT HLINKS.
#
# The scenario ($B/dst holds DEST "cur" beside the alternate directories,
# on one simulated mount, so that links can be made): three alternate
# directories in this order, ../missing (absent: said once), ../prev2
# (whose d1 is a planted symlink to ../bait/d1, a directory of exact
# matches: never followed, so d1's files are not taken from there) and
# ../prev (yesterday's snapshot: files the same, changed, touched, of
# another mode, of the same size and time with other bytes, absent, of
# another type).  Two -H groups in the source: one whose links all match
# in prev (linked there too), one with no match.

LFS=latency_us=200,timeout=0

altdest_setup() {
	tsm_setup
	rm -rf "$B/dst" && mkdir -p "$B/dst"
	python3 - "$B/src" "$B/dst" <<-'PY'
	import os, shutil, sys
	src, top = sys.argv[1:3]
	t0 = 1600000000
	j = lambda *a: os.path.join(*a)
	groups = (("d0/hA", "d2/d1/hA2"), ("d1/d0/hB", "d0/d2/hB2"))
	for g, (a, b) in enumerate(groups):
	    with open(j(src, a), "w") as f:
	        f.write("group %d\n" % g * 50)
	    os.utime(j(src, a), (t0 + g, t0 + g))
	    os.link(j(src, a), j(src, b))
	for dirpath, _, _ in os.walk(src, topdown=False):
	    os.utime(dirpath, (t0 - 50, t0 - 50 - len(dirpath)), follow_symlinks=False)
	prev = j(top, "prev")
	shutil.copytree(src, prev, symlinks=True)
	os.remove(j(prev, "d2/d1/hA2"))			# group A: linked there too
	os.link(j(prev, "d0/hA"), j(prev, "d2/d1/hA2"))
	os.remove(j(prev, "d0/d2/hB2"))			# group B: no match
	shutil.rmtree(j(prev, "d1"))			# d1: only in the bait
	shutil.rmtree(j(prev, "d2/d2"))			# absent: from the source
	with open(j(prev, "d0/f1.txt"), "a") as f:	# another size
	    f.write("changed\n")
	os.utime(j(prev, "d0/f1.txt"), (t0 + 1, t0 + 1))
	os.utime(j(prev, "d0/f2.txt"), (t0 + 9, t0 + 9))	# touched
	os.chmod(j(prev, "d2/f3.txt"), 0o600)		# same data, other mode
	p = j(prev, "d0/d1/f2.txt")			# same size and time,
	data = open(p, "rb").read()			# other bytes: a match
	with open(p, "wb") as f:
	    f.write(data.upper())
	os.utime(p, (t0 + 2, t0 + 2))
	shutil.rmtree(j(prev, "d2/d0/now_dir"))		# another type
	with open(j(prev, "d2/d0/now_dir"), "w") as f:
	    f.write("a file\n")
	shutil.copytree(j(src, "d1"), j(top, "bait/d1"), symlinks=True)
	os.makedirs(j(top, "prev2/d0"))
	os.symlink("../bait/d1", j(top, "prev2/d1"))
	shutil.copy2(j(src, "d0/f3.txt"), j(top, "prev2/d0/f3.txt"))
	PY
	TSM_DEST=cur/
}

# One line per non-directory of cur: the alternate names of its inode,
# and how many names of cur share it.
inomap() {
	python3 - "$B/dst" <<-'PY'
	import os, stat, sys
	top = sys.argv[1]
	alt, cur = {}, {}
	def walk(root, into):
	    for dp, ds, fs in os.walk(root):
	        for n in fs + ds:
	            p = os.path.join(dp, n)
	            st = os.lstat(p)
	            if not stat.S_ISDIR(st.st_mode):
	                into.setdefault(st.st_ino, []).append(os.path.relpath(p, top))
	for a in ("prev", "prev2", "bait"):
	    walk(os.path.join(top, a), alt)
	walk(os.path.join(top, "cur"), cur)
	for i, ps in sorted(cur.items(), key=lambda kv: kv[1]):
	    for p in ps:
	        print(p, ",".join(sorted(alt.get(i, ["-"]))), len(ps))
	PY
}
raw_items() { grep -E '^[.<>ch*][fdLDS ]|^\*deleting' "$1"; }
# The sorted -i lines but those about the -H groups' links: which link
# is its group's first (said '>f', the others 'hf => it') is rsync's
# under treesync-mpi, plain treesync's follows its walk (README).
unpointed() { items "$1" | grep -Ev ' (d0/hA|d2/d1/hA2|d1/d0/hB|d0/d2/hB2)( |$)'; }
prep() {	# prep empty|tmpl
	rm -rf "$B/dst/cur"
	[ "$1" = empty ] || cp -a "$T/tmpl" "$B/dst/cur"
}
# A run's result into $T/NAME.{tree,items,raw,rc,said}.
keep() {
	local name=$1 out=$2 rc=$3
	{ if [ -d "$B/dst/cur" ]; then tree_state "$B/dst/cur"; else echo none; fi
	  inomap; } >"$T/$name.tree"
	case $name in
	*hlinks*) unpointed "$out" ;;
	*) items "$out" ;;
	esac >"$T/$name.items"
	raw_items "$out" >"$T/$name.raw"
	echo "$rc" >"$T/$name.rc"
	grep -c 'arg does not exist' "$out" >"$T/$name.said"
}
# same A B WHAT: A's result is B's.
same() {
	local k
	for k in rc tree items said; do
		cmp -s "$T/$1.$k" "$T/$2.$k" || {
			diff "$T/$2.$k" "$T/$1.$k" | head -20 | sed 's/^/    /'
			fail "$3: the $k is not $2's"
		}
	done
}
reference() {	# reference NAME empty|tmpl TOOL ARGS...
	local name=$1 kind=$2 tool=$3
	shift 3
	prep "$kind"
	"$tool" "$@" "$B/src/" "$B/dst/cur/" >"$T/$name.out" 2>&1
	keep "$name" "$T/$name.out" $?
}
args_of() {	# args_of OPT SCENARIO: the arguments into ARGS
	ARGS=(-a -i "--$1=../missing" "--$1=../prev2" "--$1=../prev")
	case $2 in
	resync) ARGS+=(--delete) ;;
	hlinks) ARGS+=(-H --delete) ;;
	dryrun) ARGS+=(-n --delete) ;;
	esac
}
kind_of() { case $1 in initial | dryrun) echo empty ;; *) echo tmpl ;; esac; }

# altdest_suite OPT SCENARIOS DRY_NPS: plain treesync's references, and
# rsync's where its rules are treesync's (no planted symlink: rsync
# follows one the user owns, README); then each of SCENARIOS (initial,
# resync, hlinks) on 2 and 3 ranks until rank 1 stole directories (so
# that a thief looked below the alternate directories itself); then a
# dry run, DEST not made yet, on each of DRY_NPS ranks: treesync's bytes.
altdest_suite() {
	local opt=$1 scs=$2 dry_nps=$3 sc np
	for sc in $scs dryrun; do
		args_of "$opt" "$sc"
		reference "ref.$opt.$sc" "$(kind_of "$sc")" "$TREESYNC" "${ARGS[@]}"
	done
	[ "$(cat "$T/ref.$opt.initial.said")" = 1 ] || fail "treesync did not say the missing $opt once"
	awk '$2 ~ /bait/ { f = 1 } END { exit !f }' "$T/ref.$opt.initial.tree" &&
		fail "the reference followed the planted symlink"
	ARGS=(-a -i --delete "--$opt=../missing" "--$opt=../prev")
	reference "rs.$opt" tmpl rsync "${ARGS[@]}"
	reference "ts.$opt" tmpl "$TREESYNC" "${ARGS[@]}"
	same "ts.$opt" "rs.$opt" "plain treesync $opt (no planted symlink) against rsync"
	note "$opt: treesync as rsync, $(wc -l <"$T/rs.$opt.items") lines"
	prepare_dst() { prep "$(kind_of "$SC")"; }
	for np in 2 3; do
		for sc in $scs; do
			args_of "$opt" "$sc"
			SC=$sc until_rank1 dirs_stolen "$np" "${ARGS[@]}"
			keep "mpi.$opt.$sc.$np" "$T/mpi.out" "$MPI_RC"
			same_codes "$np" "$(cat "$T/ref.$opt.$sc.rc")"
			same "mpi.$opt.$sc.$np" "ref.$opt.$sc" "$np ranks, $opt, $sc"
		done
		note "$np ranks, $opt: $scs as treesync (rank 1 stole $(rank_stat 1 dirs_stolen) directories)"
	done
	for np in $dry_nps; do
		args_of "$opt" dryrun
		prep empty
		run "$np" "${ARGS[@]}"
		keep "mpi.$opt.dryrun.$np" "$T/mpi.out" "$MPI_RC"
		same "mpi.$opt.dryrun.$np" "ref.$opt.dryrun" "$np ranks, $opt, dry run"
		cmp -s "$T/ref.$opt.dryrun.raw" "$T/mpi.$opt.dryrun.$np.raw" || {
			diff "$T/ref.$opt.dryrun.raw" "$T/mpi.$opt.dryrun.$np.raw" | head | sed 's/^/    /'
			fail "$np ranks, $opt, dry run: not treesync's bytes in its order"
		}
	done
	note "$opt: dry runs on $dry_nps ranks byte for byte as treesync's"
}
