#!/usr/bin/env python3
"""run.py -- treesync against rsync -a and cp -a, in the same run.

    bench/run.py [--quick] [--runs N] [--jobs 1,4,16] [WORKLOAD|GROUP]...
    bench/run.py --list

Each repetition runs every tool once, in the order of one row of a
balanced Latin square (every tool follows every other once over the rows),
with an untimed settle after each removal; the table shows the median wall time per tool, the
peak RSS (/usr/bin/time -f %M), and treesync's ratios to cp and rsync,
computed within each repetition and then the median taken (so a burst of
load from another process skews one repetition, not one tool).

Caches are warm: sources are generated at the start (and so are in the page
cache), nothing is dropped unless --drop-caches.  Before every timed command
the runner calls sync(2), so that no tool pays for the previous one's dirty
pages.  Destination trees of the initial copies are kept until the end of
the run instead of being deleted between repetitions: on ext4, creating
inodes within ~30 s of deleting many costs O(recently deleted) per inode
(ext4 recently_deleted()), which would penalise whichever tool runs next.

Everything is made under one temp directory (--workdir, default a new
/tmp/treesync-bench.XXXXXX) that is removed at exit, with its mounts and
loop devices, also on SIGINT/SIGTERM.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen.py")

WORKLOADS = [
    # name, group, description
    ("small-initial", "local", "initial copy of small (50k files, 0-16 KiB, 1k dirs)"),
    ("many-initial", "local", "initial copy of many (500k empty files)"),
    ("large-initial", "local", "initial copy of large (4 x 256 MiB)"),
    ("small-noop", "local", "no-op resync of small (-a --delete)"),
    ("many-noop", "local", "no-op resync of many (-a --delete)"),
    ("small-mutate", "local", "resync of small after gen.py mutate (-a --delete)"),
    ("small-checksum", "local", "no-op resync of small with -c (-a -c --delete)"),
    ("mixed-initial", "extra", "initial copy of mixed (log-normal sizes, links, odd names)"),
    ("btrfs-initial", "btrfs", "initial copy inside a btrfs loop fs (reflinks)"),
    ("net-initial-two", "net", "initial copy, src and dst on two latencyfs mounts"),
    ("net-noop-two", "net", "no-op resync, src and dst on two latencyfs mounts"),
    ("net-mutate-two", "net", "resync after gen.py mutate (1%), two latencyfs mounts"),
    ("net-1g-two", "net", "one 1 GiB file from one latencyfs mount to another"),
    ("net-8g-two", "netbig", "one 8 GiB file (--big-mib) from one latencyfs mount to another"),
    ("net-initial-one", "net", "initial copy, src and dst on one latencyfs mount"),
    ("net-noop-one", "net", "no-op resync, src and dst on one latencyfs mount"),
]
DEFAULT_GROUPS = ("local", "btrfs", "net", "netbig")


def williams_row(n, r):
    """Row R of a Williams (balanced Latin) square of N: the order of the
    tools in repetition R.  Over N rows (2N when N is odd) every tool runs
    in every position and right after every other tool once, so what one
    tool leaves behind (cp's dirty pages, a removed 8 GiB file) is not
    always paid by the same next tool, as a plain rotation did."""
    base, lo, hi = [0], 1, n - 1
    while len(base) < n:
        base.append(lo)
        lo += 1
        if len(base) < n:
            base.append(hi)
            hi -= 1
    row = [(b + r) % n for b in base]
    return row[::-1] if n % 2 and (r // n) % 2 else row


def meminfo_kib(*keys):
    with open("/proc/meminfo") as f:
        vals = dict(l.split(":", 1) for l in f)
    return sum(int(vals[k].split()[0]) for k in keys)


def settle(limit_s=60.0):
    """Untimed, after a removal: sync, then wait (at most LIMIT_S) until
    the dirty and writeback pages are under 64 MiB and the disk is idle for
    a second, so the next timed command does not pay for this one's
    removal."""
    t0 = time.monotonic()
    quiet_since = None
    while time.monotonic() - t0 < limit_s:
        os.sync()
        busy = meminfo_kib("Dirty", "Writeback") > 64 * 1024 or disk_in_flight() > 0
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 1.0:
            return
        time.sleep(0.2)


def disk_in_flight():
    """Requests in flight on every block device (/sys/block/*/inflight)."""
    n = 0
    for dev in os.listdir("/sys/block"):
        try:
            with open("/sys/block/%s/inflight" % dev) as f:
                n += sum(int(x) for x in f.read().split())
        except (OSError, ValueError):
            pass
    return n


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


class Skip(Exception):
    pass


class Bench:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.runs = a.runs
        self.ts = a.treesync
        self.jobs = a.jobs
        self.results = []        # rows for the table
        self.counters = {}       # workload -> tool -> latencyfs counters (last run)
        self.notes = []
        self.mounts = []         # mountpoints to unmount, last first
        self.loops = []
        self.procs = []          # daemons we started (Popen)
        self.sources = {}
        self.keep_trees = []
        self.work = a.workdir or tempfile.mkdtemp(prefix="treesync-bench.",
                                                   dir=os.environ.get("BENCH_TMP", "/tmp"))
        os.makedirs(self.work, exist_ok=True)
        self.time_bin = shutil.which("time") or "/usr/bin/time"

    # --- helpers ---------------------------------------------------------

    def sh(self, argv, check=True, **kw):
        return subprocess.run(argv, check=check, **kw)

    def path(self, *p):
        return os.path.join(self.work, *p)

    def dpath(self, *p):
        """Where trees live: the private ext4 fs (or the workdir)."""
        return os.path.join(self.data, *p)

    def setup_fs(self):
        """A fresh ext4 on a loop device for every tree of the run, so that
        nobody else's deletions (ext4 recently_deleted(), see the module
        doc) or their debris slow our creates down."""
        self.data = self.work
        if not self.a.private_fs:
            return
        if not shutil.which("mkfs.ext4"):
            log("mkfs.ext4 missing: trees go to %s directly" % self.work)
            return
        img = self.path("ext4.img")
        mnt = self.path("fs")
        os.makedirs(mnt)
        size = self.a.fs_size or ("6G" if self.quick else "40G")
        self.sh(["truncate", "-s", size, img])
        self.sh(["mkfs.ext4", "-q", "-F", "-i", "4096", "-E",
                 "lazy_itable_init=1,lazy_journal_init=1", img])
        loop = subprocess.run(["losetup", "--direct-io=on", "-f", "--show", img], check=True,
                              capture_output=True, text=True).stdout.strip()
        self.loops.append(loop)
        self.sh(["mount", "-o", "noinit_itable", loop, mnt])
        self.mounts.append(mnt)
        self.data = mnt
        self.fs_desc = "private ext4 (%s sparse image, -i 4096, on %s with loop direct-io)" % (
            size, self.loops[0])
        log("trees on %s: %s" % (mnt, self.fs_desc))

    def gen(self, kind, dst, *extra):
        args = [sys.executable, GEN, kind, dst] + (["--quick"] if self.quick else []) + list(extra)
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
        log(out)

    def source(self, kind):
        """The generated source tree KIND (made once per run)."""
        if kind not in self.sources:
            d = self.dpath("src", kind)
            os.makedirs(self.dpath("src"), exist_ok=True)
            self.gen(kind, d)
            self.sources[kind] = d
        return self.sources[kind]

    def before_timed(self):
        os.sync()
        if self.a.drop_caches:
            with open("/proc/sys/vm/drop_caches", "w") as f:
                f.write("3\n")

    def timed(self, argv, tag):
        """Runs ARGV under /usr/bin/time; returns (seconds, peak RSS KiB, stdout)."""
        rss = self.path("rss.%s" % tag.replace("/", "_"))
        self.before_timed()
        t0 = time.monotonic()
        p = subprocess.run([self.time_bin, "-f", "%M", "-o", rss] + argv,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace")
        dt = time.monotonic() - t0
        try:
            with open(rss) as f:
                kib = int(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            kib = 0
        if p.returncode != 0:
            raise RuntimeError("%s exited %d: %s" % (" ".join(argv), p.returncode,
                                                    p.stderr.strip()[-2000:]))
        return dt, kib, p.stdout

    def verify(self, src, dst):
        """'' if rsync sees no difference (size, mtime, perms, links...)."""
        p = subprocess.run(["rsync", "-a", "-n", "-i", "--delete", src + "/", dst + "/"],
                           capture_output=True, text=True, errors="replace")
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        if p.returncode != 0:
            return "verify: rsync exited %d" % p.returncode
        if lines:
            return "DIFFERS: %d items (%s ...)" % (len(lines), lines[0][:60])
        return ""

    def rmtree(self, d):
        if os.path.lexists(d):
            subprocess.run(["rm", "-rf", "--one-file-system", d], check=False)

    # --- tools -----------------------------------------------------------

    def treesyncs(self, extra=()):
        """treesync at its default -j, plus one per --jobs value."""
        tools = [("treesync", lambda s, d, x=list(extra): [self.ts, "-a", "--stats"] + x + [s + "/", d + "/"])]
        for j in self.jobs:
            tools.append(("treesync-j%d" % j,
                          lambda s, d, j=j, x=list(extra): [self.ts, "-a", "--stats", "-j", str(j)] + x + [s + "/", d + "/"]))
        return tools

    def initial_tools(self, cp_extra=()):
        return self.treesyncs() + [
            ("rsync", lambda s, d: ["rsync", "-a", s + "/", d + "/"]),
            ("cp", lambda s, d, x=list(cp_extra): ["cp", "-a"] + x + [s, d]),
        ]

    def resync_tools(self, extra=()):
        x = ["--delete"] + list(extra)
        return self.treesyncs(x) + [
            ("rsync", lambda s, d: ["rsync", "-a"] + x + [s + "/", d + "/"]),
        ]

    # --- the measurement loop --------------------------------------------

    def measure(self, wl, tools, src, dst_for, prepare=None, after=None, verify_src=None,
                keep=True, runs=None, remove=None, vmap=None):
        """Times each tool RUNS times, in williams_row() orders.  dst_for(tool, rep)
        names the destination; prepare(tool, dst) readies it (untimed);
        after(tool, dst, stdout) returns a note (untimed)."""
        runs = runs or self.runs
        times = {t[0]: [] for t in tools}
        rss = {t[0]: [] for t in tools}
        notes = {t[0]: [] for t in tools}
        load0 = os.getloadavg()[0]
        for rep in range(runs):
            order = [tools[i] for i in williams_row(len(tools), rep)]
            for name, argv in order:
                dst = dst_for(name, rep)
                if prepare:
                    prepare(name, dst)
                dt, kib, out = self.timed(argv(src, dst), "%s.%s" % (wl, name))
                times[name].append(dt)
                rss[name].append(kib)
                log("%-15s %-13s rep %d: %.3fs  %.1f MiB" % (wl, name, rep + 1, dt, kib / 1024))
                if after:
                    n = after(name, dst, out)
                    if n and rep == 0:
                        notes[name].append(n)
                if rep == 0 and name.startswith("treesync"):
                    # treesync --stats: the bytes per copy method
                    m = [l.split("Copied by ", 1)[1] for l in out.splitlines()
                         if l.startswith("Copied by ") and not l.split(": ", 1)[1].startswith("0 bytes")]
                    if m:
                        notes[name].append("treesync: " + "; ".join(m))
                if rep == 0 and verify_src is not None:
                    v = self.verify(verify_src, vmap(dst) if vmap else dst)
                    if v:
                        notes[name].append(v)
                        log("%s %s: %s" % (wl, name, v))
                if not keep:
                    (remove or self.rmtree)(dst)
                    settle()
        self.record(wl, tools, times, rss, notes, load0)

    def record(self, wl, tools, times, rss, notes, load0):
        names = [t[0] for t in tools]
        for name in names:
            row = {
                "workload": wl, "tool": name, "times": times[name],
                "median": statistics.median(times[name]),
                "min": min(times[name]), "max": max(times[name]),
                "rss_kib": max(rss[name]), "notes": notes[name],
                "load1_at_start": load0,
            }
            if name.startswith("treesync"):
                for ref in ("cp", "rsync"):
                    if ref in times:
                        r = [a / b for a, b in zip(times[name], times[ref])]
                        row["ratio_" + ref] = statistics.median(r)
                        row["ratios_" + ref] = r
            self.results.append(row)
        self.save()

    # --- workloads -------------------------------------------------------

    def wl_initial(self, wl, kind, keep=True):
        src = self.source(kind)
        base = self.dpath("w", wl)
        os.makedirs(base, exist_ok=True)
        self.measure(wl, self.initial_tools(), src,
                     lambda t, r: os.path.join(base, "%s.%d" % (t, r)),
                     verify_src=src if self.a.verify else None, keep=keep)

    def w_small_initial(self):
        self.wl_initial("small-initial", "small")

    def w_many_initial(self):
        self.wl_initial("many-initial", "many")

    def w_large_initial(self):
        # few inodes, much data: delete at once (the disk is shared)
        self.wl_initial("large-initial", "large", keep=False)

    def w_mixed_initial(self):
        self.wl_initial("mixed-initial", "mixed", keep=False)

    def noop_dst(self, kind):
        """A synced copy of source KIND (made by cp -a, untimed)."""
        d = self.dpath("w", "%s-mirror" % kind)
        if not os.path.exists(d):
            os.makedirs(self.dpath("w"), exist_ok=True)
            self.sh(["cp", "-a", self.source(kind), d])
        return d

    def wl_noop(self, wl, kind, extra=()):
        src = self.source(kind)
        dst = self.noop_dst(kind)
        tools = self.resync_tools(extra)
        for name, argv in tools:      # one untimed pass each: settles, warms
            self.sh(argv(src, dst), stdout=subprocess.DEVNULL)
        self.measure(wl, tools, src, lambda t, r: dst,
                     verify_src=src if self.a.verify else None)

    def w_small_noop(self):
        self.wl_noop("small-noop", "small")

    def w_many_noop(self):
        self.wl_noop("many-noop", "many")

    def w_small_checksum(self):
        self.wl_noop("small-checksum", "small", ["-c"])

    def w_small_mutate(self):
        src = self.source("small")
        srcm = self.dpath("src", "small-mutated")
        if not os.path.exists(srcm):
            self.sh(["cp", "-a", src, srcm])
            out = subprocess.run([sys.executable, GEN, "mutate", srcm], check=True,
                                 capture_output=True, text=True).stdout.strip()
            log(out)
            self.notes.append("small-mutate: " + out.split(": ", 1)[-1])
        dst = self.noop_dst("small")

        def restore(tool, d):
            self.sh(["rsync", "-a", "--delete", src + "/", d + "/"])

        self.measure("small-mutate", self.resync_tools(), srcm, lambda t, r: dst,
                     prepare=restore, verify_src=srcm if self.a.verify else None)
        restore(None, dst)

    # --- btrfs -----------------------------------------------------------

    def w_btrfs_initial(self):
        if not shutil.which("mkfs.btrfs"):
            raise Skip("mkfs.btrfs not installed (apt-get install btrfs-progs)")
        img = self.path("btrfs.img")
        mnt = self.path("btrfs")
        os.makedirs(mnt)
        size = "256M" if self.quick else "512M"
        with open(img, "wb") as f:
            f.truncate(0)
        self.sh(["truncate", "-s", size, img])
        self.sh(["mkfs.btrfs", "-q", "-f", img], stdout=subprocess.DEVNULL)
        loop = subprocess.run(["losetup", "-f", "--show", img], check=True,
                              capture_output=True, text=True).stdout.strip()
        self.loops.append(loop)
        self.sh(["mount", loop, mnt])
        self.mounts.append(mnt)
        src = os.path.join(mnt, "src")
        os.makedirs(src)
        nfiles, large = ("1000", "4") if self.quick else ("5000", "32")
        self.gen("small", os.path.join(src, "small"), "--files", nfiles, "--dirs", "50")
        self.gen("large", os.path.join(src, "large"), "--size", large)
        self.sh(["btrfs", "filesystem", "sync", mnt])
        src_bytes = int(subprocess.run(["du", "-sb", src], capture_output=True, text=True,
                                       check=True).stdout.split()[0])
        used = {}

        def df_used():
            self.sh(["btrfs", "filesystem", "sync", mnt])
            st = os.statvfs(mnt)
            return (st.f_blocks - st.f_bfree) * st.f_frsize

        def prepare(tool, dst):
            self.rmtree(dst)
            used[tool] = df_used()

        def after(tool, dst, out):
            grew = df_used() - used[tool]
            p = subprocess.run(["btrfs", "filesystem", "du", "-s", "--raw", dst],
                               capture_output=True, text=True)
            try:
                total, excl, shared = (int(x) for x in p.stdout.splitlines()[-1].split()[:3])
            except (ValueError, IndexError):
                total = excl = shared = -1
            return ("src %.1f MiB; df +%.1f MiB; btrfs du: total %.1f, exclusive %.1f, "
                    "shared %.1f MiB" % (src_bytes / 2**20, grew / 2**20, total / 2**20,
                                         excl / 2**20, shared / 2**20))

        tools = self.initial_tools(cp_extra=["--reflink=auto"])
        for i, (n, f) in enumerate(tools):
            if n == "cp":
                tools[i] = ("cp-reflink", f)
        dst = os.path.join(mnt, "dst")
        self.measure("btrfs-initial", tools, src, lambda t, r: dst, prepare=prepare,
                     after=after, verify_src=src if self.a.verify else None)
        # ratio against cp --reflink=auto
        for row in self.results:
            if row["workload"] == "btrfs-initial" and row["tool"].startswith("treesync"):
                cp = next(r for r in self.results if r["workload"] == "btrfs-initial"
                          and r["tool"] == "cp-reflink")
                rr = [a / b for a, b in zip(row["times"], cp["times"])]
                row["ratio_cp"] = statistics.median(rr)
                row["ratios_cp"] = rr
        self.rmtree(dst)
        self.unmount(mnt)
        self.sh(["losetup", "-d", loop], check=False)
        self.loops.remove(loop)
        os.unlink(img)
        self.save()

    # --- latencyfs ---------------------------------------------------------

    def find_latencyfs(self):
        cands = [self.a.latencyfs] if self.a.latencyfs else []
        d = os.path.dirname(os.path.abspath(self.ts))
        cands += [os.path.join(d, "latencyfs"), os.path.join(d, "tools", "latencyfs", "latencyfs"),
                  os.path.join(REPO, "build", "latencyfs"),
                  os.path.join(REPO, "build", "tools", "latencyfs", "latencyfs")]
        for c in cands:
            if c and os.access(c, os.X_OK):
                return c
        return None

    def lfs_mount(self, name):
        """A latencyfs mount of a backing dir: {mnt, backing, stats, proc, profile}."""
        m = {"mnt": self.dpath("net", name), "backing": self.dpath("net", name + ".backing"),
             "stats": self.dpath("net", name + ".stats"), "proc": None,
             "profile": "pessimistic"}
        os.makedirs(m["backing"], exist_ok=True)
        os.makedirs(m["mnt"], exist_ok=True)
        self.lfs_start(m)
        return m

    def lfs_opts(self, profile):
        """latencyfs options of PROFILE (see bench/README.md, "Network
        profiles")."""
        if profile == "nfs":
            return "profile=nfs,latency_us=%d,bw_mbit=%d,slots=%d" % (
                self.a.latency_us, self.a.bw_mbit, self.a.slots)
        return "latency_us=%d,timeout=%g" % (self.a.latency_us, self.a.lfs_timeout)

    def lfs_start(self, m):
        binp = self.find_latencyfs()
        opts = "%s,stats=%s,quiet" % (self.lfs_opts(m.get("profile", "pessimistic")), m["stats"])

        for f in (m["stats"], m["stats"] + ".tmp"):
            if os.path.exists(f):
                os.unlink(f)    # the last daemon's: generations restart at 1

        def nofile():
            # latencyfs holds one O_PATH fd per inode the kernel knows
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
            except (ValueError, OSError):
                pass
        p = subprocess.Popen([binp, "-f", "-o", opts, m["backing"], m["mnt"]],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             preexec_fn=nofile)
        self.procs.append(p)
        for _ in range(200):
            if os.path.ismount(m["mnt"]):
                break
            if p.poll() is not None:
                raise RuntimeError("latencyfs exited %d: %s" % (p.returncode, p.stderr.read()))
            time.sleep(0.025)
        else:
            raise RuntimeError("latencyfs did not mount %s" % m["mnt"])
        m["proc"] = p
        if m["mnt"] not in self.mounts:
            self.mounts.append(m["mnt"])

    def lfs_restart(self, m):
        """A fresh mount: an empty client cache (inodes, dentries, pages) and
        zeroed counters for the next timed run."""
        self.unmount(m["mnt"])
        try:
            m["proc"].wait(timeout=30)
        except subprocess.TimeoutExpired:
            m["proc"].kill()
            m["proc"].wait()
        self.procs.remove(m["proc"])
        self.lfs_start(m)

    def lfs_counters(self, m, reset=True):
        """Asks the daemon for its counters (SIGUSR2: write, then reset)."""
        gen0 = self._lfs_read(m["stats"]).get("generation", 0)
        m["proc"].send_signal(signal.SIGUSR2 if reset else signal.SIGUSR1)
        for _ in range(200):
            c = self._lfs_read(m["stats"])
            if c.get("generation", 0) > gen0:
                return c
            time.sleep(0.01)
        return {}

    @staticmethod
    def _lfs_read(path):
        c = {}
        try:
            with open(path) as f:
                for line in f:
                    k, _, v = line.strip().partition(" ")
                    try:
                        c[k] = int(v)
                    except ValueError:
                        pass
        except OSError:
            pass
        return c

    def net_setup(self):
        if getattr(self, "net", None):
            return self.net
        if not self.find_latencyfs():
            raise Skip("latencyfs binary not found (build it: cmake --build; looked next to "
                       "treesync and in build/): network-like workloads skipped")
        if not os.path.exists("/dev/fuse"):
            raise Skip("/dev/fuse missing: network-like workloads skipped")
        a = self.lfs_mount("A")
        b = self.lfs_mount("B")
        # the source is made in A's backing dir directly (no latency); the
        # server's page cache is warm, the client's empty (fresh mounts)
        nfiles = self.a.net_files or (500 if self.quick else 8000)
        ndirs = max(10, nfiles // 50)
        self.gen("small", os.path.join(a["backing"], "src"), "--files", str(nfiles),
                 "--dirs", str(ndirs))
        self.net = {"A": a, "B": b, "src": os.path.join(a["mnt"], "src"), "nfiles": nfiles}
        return self.net

    def net_profile(self, profile, mounts):
        """Remounts MOUNTS with PROFILE's options (fresh client caches)."""
        for m in mounts:
            m["profile"] = profile
            self.lfs_restart(m)

    def net_counters(self, mounts, nfiles):
        """The daemons' counters summed over MOUNTS, per file: (note, dict)."""
        cs = [self.lfs_counters(m, reset=False) for m in mounts]
        tot = lambda k: sum(c.get(k, 0) for c in cs)
        keys = set().union(*cs)
        ops = {k[3:]: tot(k) for k in keys if k.startswith("op.") and k != "op.caps"}
        top = sorted(ops.items(), key=lambda kv: -kv[1])
        d = {"requests": tot("requests"), "files": nfiles, "ops": ops,
             "read_bytes": tot("read_bytes"), "write_bytes": tot("write_bytes"),
             "cfr_bytes": tot("copy_file_range_bytes"), "caps": tot("op.caps"),
             "link_up_us": tot("link_up_us"), "link_down_us": tot("link_down_us"),
             "slot_waits": tot("slot_waits")}
        note = ("requests %d (%.1f/file: %s); read %.1f MiB, write %.1f MiB, "
                "copy_file_range %.1f MiB"
                % (d["requests"], d["requests"] / nfiles,
                   " ".join("%s %.2f" % (k, v / nfiles) for k, v in top[:8] if v),
                   d["read_bytes"] / 2**20, d["write_bytes"] / 2**20, d["cfr_bytes"] / 2**20))
        return note, d

    def net_tools(self, kind):
        """The tools of a network workload: initial copies, resyncs (cp -au
        stands for cp: it copies what is newer and deletes nothing)."""
        if kind == "initial" or kind == "big":
            tools = self.initial_tools()
            if kind == "big" and self.a.methods:
                for meth in ("copy_file_range", "sendfile", "readwrite"):
                    tools.insert(1, ("treesync-" + meth, lambda s, d, x=meth: [
                        self.ts, "-a", "--stats", "--copy-method=" + x, s + "/", d + "/"]))
            return tools
        return self.resync_tools() + [
            ("cp", lambda s, d: ["cp", "-a", "-u", "-T", s, d])]

    def wl_net(self, wl, two, kind):
        """A network workload in each profile: KIND initial, noop, mutate
        (the small tree) or big (one file of --big-mib MiB)."""
        n = self.net_setup()
        for profile in self.a.profiles:
            self.wl_net_profile(wl, two, kind, profile, n)

    def wl_net_profile(self, wl, two, kind, profile, n):
        a, b = n["A"], n["B"]
        dm = b if two else a
        mounts = (a, b) if two else (a,)
        tag = "two" if two else "one"
        name = "%s/%s" % (wl, profile)
        self.net_profile(profile, mounts)
        src, nfiles, vsrc = n["src"], n["nfiles"], os.path.join(a["backing"], "src")
        remove = None
        if kind == "big":
            mib = self.big_mib(wl)
            sub = "big%d" % mib
            vsrc = os.path.join(a["backing"], sub)
            if not os.path.exists(vsrc):
                self.gen("large", vsrc, "--files", "1", "--size", str(mib))
            src, nfiles = os.path.join(a["mnt"], sub), 1
        if kind in ("noop", "mutate"):
            dst = os.path.join(dm["mnt"], "mirror")
            bdst = os.path.join(dm["backing"], "mirror")
            if not os.path.exists(bdst):
                self.sh(["cp", "-a", os.path.join(a["backing"], "src"), bdst])
            if kind == "mutate":
                msrc = os.path.join(a["backing"], "src-mutated")
                if not os.path.exists(msrc):
                    self.sh(["cp", "-a", os.path.join(a["backing"], "src"), msrc])
                    out = subprocess.run([sys.executable, GEN, "mutate", msrc], check=True,
                                         capture_output=True, text=True).stdout.strip()
                    self.notes.append("%s: %s" % (wl, out.split(": ", 1)[-1]))
                src, vsrc = os.path.join(a["mnt"], "src-mutated"), msrc
            tools = self.net_tools(kind)
            # settle once, untimed, in the backing dirs (no latency)
            self.sh([self.ts, "-a", "--delete", os.path.join(a["backing"], "src") + "/",
                     bdst + "/"], stdout=subprocess.DEVNULL)
            dst_for = lambda t, r: dst
        else:
            tools = self.net_tools(kind)
            dst_for = lambda t, r: os.path.join(dm["mnt"], "%s.%s.%s.%d" % (wl, profile, t, r))
            if kind == "big":
                # 1-8 GiB each: removed once counted (in the backing dir)
                remove = lambda d: self.rmtree(d.replace(dm["mnt"] + "/", dm["backing"] + "/", 1))

        def prepare(tool, d):
            if kind == "mutate":     # back to the unmutated mirror, untimed
                self.sh(["rsync", "-a", "--delete", vsrc.replace("src-mutated", "src") + "/",
                         d.replace(dm["mnt"] + "/", dm["backing"] + "/", 1) + "/"])
            self.net_profile(profile, mounts)

        def after(tool, d, out):
            note, data = self.net_counters(mounts, nfiles)
            self.counters.setdefault(name, {})[tool] = data
            return note

        runs = self.a.net_runs or (self.runs if nfiles <= 2000 else 1)
        self.measure(name, tools, src, dst_for, prepare=prepare, after=after,
                     verify_src=vsrc if self.a.verify else None,
                     keep=remove is None, remove=remove, runs=runs,
                     vmap=lambda d: d.replace(dm["mnt"] + "/", dm["backing"] + "/", 1))
        self.notes.append("%s: %d files, %s profile (%s), %s mount(s), %d runs"
                          % (name, nfiles, profile, self.lfs_opts(profile), tag, runs))

    def big_mib(self, wl):
        if self.quick:
            return 16 if wl == "net-1g-two" else 64
        return 1024 if wl == "net-1g-two" else self.a.big_mib

    def w_net_initial_two(self):
        self.wl_net("net-initial-two", True, "initial")

    def w_net_noop_two(self):
        self.wl_net("net-noop-two", True, "noop")

    def w_net_mutate_two(self):
        self.wl_net("net-mutate-two", True, "mutate")

    def w_net_1g_two(self):
        self.wl_net("net-1g-two", True, "big")

    def w_net_8g_two(self):
        self.wl_net("net-8g-two", True, "big")

    def w_net_initial_one(self):
        self.wl_net("net-initial-one", False, "initial")

    def w_net_noop_one(self):
        self.wl_net("net-noop-one", False, "noop")

    # --- cleanup and output -------------------------------------------------

    def unmount(self, mnt):
        for cmd in (["umount", mnt], ["fusermount3", "-u", mnt], ["umount", "-l", mnt]):
            if subprocess.run(cmd, stderr=subprocess.DEVNULL).returncode == 0:
                break
        if mnt in self.mounts:
            self.mounts.remove(mnt)

    def cleanup(self):
        for mnt in reversed(list(self.mounts)):
            self.unmount(mnt)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        for loop in self.loops:
            subprocess.run(["losetup", "-d", loop], stderr=subprocess.DEVNULL)
        if not self.a.keep:
            log("removing %s" % self.work)
            self.rmtree(self.work)

    def env(self):
        if getattr(self, "_env", None):
            return self._env
        def out(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
            except OSError:
                return "?"
        fs = out(["findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS", "-T", self.work])
        if getattr(self, "fs_desc", None):
            fs = "%s; image on %s" % (self.fs_desc, fs)
        rev = out(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
        dirty = out(["git", "-C", REPO, "status", "--porcelain", "--", "src", "include"])
        e = {
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "nproc": os.cpu_count(), "kernel": platform.release(),
            "workdir_fs": fs, "treesync": self.ts,
            "treesync_rev": rev + ("+dirty" if dirty else ""),
            "rsync": out(["rsync", "--version"]).splitlines()[0] if shutil.which("rsync") else "-",
            "cp": out(["cp", "--version"]).splitlines()[0],
            "runs": self.runs, "quick": self.quick, "warm_cache": not self.a.drop_caches,
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "loadavg_start": getattr(self, "load_start", None),
        }
        self._env = e
        return e

    def table(self):
        lines = ["| workload | tool | median s | min-max s | peak RSS MiB | treesync/cp | treesync/rsync | notes |",
                 "|---|---|---:|---:|---:|---:|---:|---|"]
        for r in self.results:
            f = lambda k: ("%.2f" % r[k]) if k in r else ""
            lines.append("| %s | %s | %.3f | %.3f-%.3f | %.1f | %s | %s | %s |" % (
                r["workload"], r["tool"], r["median"], r["min"], r["max"], r["rss_kib"] / 1024,
                f("ratio_cp"), f("ratio_rsync"), "; ".join(r["notes"]).replace("|", "/")))
        return "\n".join(lines)

    def save(self):
        if not self.a.out:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.a.out)), exist_ok=True)
        doc = {"env": self.env(), "results": self.results, "notes": self.notes,
               "counters": self.counters, "skipped": getattr(self, "skipped", [])}
        with open(self.a.out + ".json", "w") as f:
            json.dump(doc, f, indent=1)
        with open(self.a.out + ".md", "w") as f:
            f.write(self.report())

    def report(self):
        e = self.env()
        s = ["# treesync benchmark (%s)" % e["date"], "",
             "- machine: %d CPUs, %s GiB, kernel %s; workdir fs: %s" % (
                 e["nproc"], e["mem_gib"], e["kernel"], e["workdir_fs"]),
             "- treesync %s (%s); %s; %s" % (e["treesync_rev"], e["treesync"], e["rsync"], e["cp"]),
             "- %d runs per tool, order per run from a balanced Latin square, settled after removals; %s cache; quick=%s; load avg at start %s" % (
                 e["runs"], "warm" if e["warm_cache"] else "cold (drop_caches)", e["quick"],
                 e["loadavg_start"]), ""]
        s.append(self.table())
        if self.notes or getattr(self, "skipped", []):
            s.append("")
            for n in self.notes:
                s.append("- " + n)
            for n in getattr(self, "skipped", []):
                s.append("- skipped " + n)
        return "\n".join(s) + "\n"


def expand(names):
    out = []
    for n in names:
        if n == "all":
            out += [w[0] for w in WORKLOADS if w[1] in DEFAULT_GROUPS]
        elif any(w[1] == n for w in WORKLOADS):
            out += [w[0] for w in WORKLOADS if w[1] == n]
        elif any(w[0] == n for w in WORKLOADS):
            out.append(n)
        else:
            sys.exit("run.py: unknown workload or group '%s' (--list)" % n)
    seen = set()
    return [w for w in out if not (w in seen or seen.add(w))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("workloads", nargs="*", help="names or groups (local, btrfs, net, extra, all)")
    ap.add_argument("--list", action="store_true", help="list the workloads")
    ap.add_argument("--quick", action="store_true", help="small trees, 1 run: a smoke test")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "0")) or None,
                    help="runs per tool (default 3, --quick 1; env BENCH_RUNS)")
    ap.add_argument("--jobs", default=os.environ.get("BENCH_JOBS", ""),
                    help="also time treesync at these -j values, e.g. 1,2,4,8,16")
    ap.add_argument("--treesync", default=os.environ.get("TREESYNC",
                    os.path.join(REPO, "build-bench", "treesync")))
    ap.add_argument("--latencyfs", default=os.environ.get("LATENCYFS"))
    ap.add_argument("--latency-us", type=int, default=200)
    ap.add_argument("--lfs-timeout", type=float, default=0,
                    help="pessimistic profile: latencyfs attribute/entry cache seconds (default 0: "
                    "every lookup and stat reaches the server)")
    ap.add_argument("--profiles", default=os.environ.get("BENCH_PROFILES", "pessimistic,nfs"),
                    help="latencyfs profiles of the network workloads (default pessimistic,nfs)")
    ap.add_argument("--bw-mbit", type=int, default=10000,
                    help="nfs profile: link per direction, Mbit/s (default 10000: 10 GbE)")
    ap.add_argument("--slots", type=int, default=64,
                    help="nfs profile: requests in flight per mount (default 64)")
    ap.add_argument("--big-mib", type=int, default=8192,
                    help="size of net-8g-two's file in MiB (default 8192)")
    ap.add_argument("--no-methods", dest="methods", action="store_false",
                    help="no forced --copy-method rows in the big-file workloads")
    ap.add_argument("--net-files", type=int, default=int(os.environ.get("BENCH_NET_FILES", "0")),
                    help="files in the network tree (default 8000, --quick 500; latencyfs needs one fd per inode and cannot pass 20000 here)")
    ap.add_argument("--net-runs", type=int, default=int(os.environ.get("BENCH_NET_RUNS", "0")),
                    help="runs for the network workloads (default 1 for trees over 2000 files, else --runs)")
    ap.add_argument("--no-private-fs", dest="private_fs", action="store_false",
                    help="make the trees in the workdir, not on a fresh loop-mounted ext4")
    ap.add_argument("--fs-size", help="size of the sparse ext4 image (default 40G, --quick 6G)")
    ap.add_argument("--drop-caches", action="store_true", help="cold cache: drop caches before each timed command")
    ap.add_argument("--no-verify", dest="verify", action="store_false",
                    help="skip the rsync -n check of each tool's first result")
    ap.add_argument("--workdir", help="where trees are made (default: a new dir in $BENCH_TMP or /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the workdir")
    ap.add_argument("--out", default=os.environ.get("BENCH_OUT", os.path.join(HERE, "results", "latest")),
                    help="write OUT.md and OUT.json (default bench/results/latest)")
    a = ap.parse_args()
    if a.list:
        for n, g, d in WORKLOADS:
            print("%-16s %-6s %s" % (n, g, d))
        print("groups: local, btrfs, net, netbig, extra; all = local+btrfs+net+netbig (default)")
        return 0
    a.runs = a.runs or (1 if a.quick else 3)
    a.jobs = [int(x) for x in a.jobs.split(",") if x.strip()]
    a.profiles = [p for p in a.profiles.split(",") if p.strip()]
    for p in a.profiles:
        if p not in ("pessimistic", "nfs"):
            sys.exit("run.py: unknown profile '%s' (pessimistic, nfs)" % p)
    wls = expand(a.workloads or ["all"])
    if not os.access(a.treesync, os.X_OK):
        sys.exit("run.py: no treesync at %s (cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release"
                 " && cmake --build build-bench)" % a.treesync)
    if not os.access("/usr/bin/time", os.X_OK) and not shutil.which("time"):
        log("installing GNU time (apt-get install time)")
        subprocess.run(["apt-get", "install", "-y", "-q", "time"], check=True)
    for t in ("rsync", "cp"):
        if not shutil.which(t):
            sys.exit("run.py: %s not installed" % t)
    b = Bench(a)
    b.load_start = os.getloadavg()[0]
    b.setup_fs()
    b.env()
    b.skipped = []

    def on_signal(sig, frame):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    code = 0
    log("workdir %s; workloads: %s; %d runs; treesync %s" % (b.work, " ".join(wls), a.runs, a.treesync))
    log("note: rclone is not installed on this machine (no package): not compared")
    b.notes.append("rclone: not available on this machine (no registry here has it): not compared")
    try:
        for w in wls:
            log("== %s" % w)
            try:
                getattr(b, "w_" + w.replace("-", "_"))()
            except Skip as s:
                log("SKIP %s: %s" % (w, s))
                b.skipped.append("%s: %s" % (w, s))
            except (RuntimeError, subprocess.CalledProcessError) as ex:
                log("FAIL %s: %s" % (w, ex))
                b.notes.append("FAILED %s: %s" % (w, str(ex)[:300]))
                code = 1
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    finally:
        b.save()
        b.cleanup()
    print(b.report())
    return code


if __name__ == "__main__":
    sys.exit(main())
