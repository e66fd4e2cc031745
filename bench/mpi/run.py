#!/usr/bin/env python3
"""bench/mpi/run.py -- one sync spread over simulated hosts: dsync and
treesync-mpi at 1/2/4/8 ranks against rsync and treesync on one host, over
latencyfs mounts (python3 stdlib only; run as root).

    bench/mpi/run.py                      # every workload, ranks 1,2,4,8
    bench/mpi/run.py --ranks 1,2 small-initial
    bench/mpi/run.py --quick              # small trees, a 256 MiB file: ~2 min
    bench/mpi/run.py --list

Every timed command runs under `mpirun -np R tests/mpi/simhost.sh`: each rank
in its own mount namespace with its own latencyfs over the shared source and
destination backing directories (tests/mpi/README.md), remounted for every
run, so every tool starts with cold client caches on every "host" and a warm
"server" (the backing ext4's page cache).  Tools that are not MPI programs
(rsync, treesync) run as one rank.  A tool that is missing is skipped with a
message: dsync comes from tools/build-dsync.sh (DSYNC, default
/work/mpi/install/bin/dsync), treesync-mpi from TREESYNC_MPI_BIN (default:
build*/src/mpi/treesync-mpi, built by CMake where Open MPI is installed).

Time is the job's: from the first rank starting the tool to the last rank
finishing it (mount set-up excluded, MPI start-up included); CPU is the
tool's user + system time summed over ranks (latencyfs daemons excluded).  Requests are
every latencyfs request of every rank (both mounts), from the daemons'
counters.  Every result is checked against the source (names, types, sizes,
contents, file mtimes) before it is reported.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SIMHOST = os.path.join(REPO, "tests", "mpi", "simhost.sh")
GEN = os.path.join(REPO, "bench", "gen.py")
MPI_FLAGS = ["--allow-run-as-root", "--oversubscribe", "-q", "--bind-to", "none",
             "--mca", "pml", "ob1", "--mca", "btl", "self,vader",
             "--mca", "btl_vader_single_copy_mechanism", "none"]

WORKLOADS = {
    "small-initial": "copy of the small-file tree into an empty destination",
    "small-noop": "resync of an identical copy of the small-file tree",
    "big-initial": "copy of one big file (4 GiB) into an empty destination",
}


def first_exe(*paths):
    for p in paths:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def find_build(name, sub=""):
    cands = [os.path.join(REPO, d, sub, name) for d in ("build-mpi", "build-bench", "build")]
    cands += sorted(os.path.join(REPO, d, sub, name) for d in os.listdir(REPO)
                    if d.startswith("build"))
    return first_exe(*cands)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Tool:
    """One tool: how to run it and on which rank counts."""

    def __init__(self, name, argv_fn, mpi, path, why_missing):
        self.name, self.argv_fn, self.mpi = name, argv_fn, mpi
        self.path, self.why_missing = path, why_missing


def tools(a):
    ts = first_exe(os.environ.get("TREESYNC"), find_build("treesync"))
    dsync = first_exe(os.environ.get("DSYNC"), "/work/mpi/install/bin/dsync")
    tsm = first_exe(os.environ.get("TREESYNC_MPI_BIN"),
                    find_build("treesync-mpi", os.path.join("src", "mpi")))
    rsync = shutil.which("rsync")
    return [
        Tool("rsync", lambda s, d: [rsync, "-a", "--delete", s + "/", d + "/"],
             False, rsync, "rsync not installed"),
        Tool("treesync", lambda s, d: [ts, "-a", "--delete", s + "/", d + "/"],
             False, ts, "treesync not built (TREESYNC, or cmake --build build-mpi)"),
        # dsync: DEST is made to match SRC; -D deletes extraneous entries.
        Tool("dsync", lambda s, d: [dsync, "-q", "-D", s, d],
             True, dsync, "dsync not built (tools/build-dsync.sh, or DSYNC=)"),
        Tool("treesync-mpi", lambda s, d: [tsm, "-a", "--delete", s + "/", d + "/"],
             True, tsm, "treesync-mpi not built (TREESYNC_MPI_BIN=, or cmake with libopenmpi-dev)"),
    ]


def cpu_of_times(text):
    """User + system seconds of the children from bash's `times` output."""
    lines = text.split("\n")
    total = 0.0
    for field in (lines[1].split() if len(lines) > 1 else []):
        m, _, s = field.rstrip("s").partition("m")
        total += float(m) * 60 + float(s)
    return total


# ------------------------------------------------------------------ checks

def file_digest(path):
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def snapshot(root, contents=True):
    """{relative path: (type, size, mtime_ns, digest)} of a tree."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.isdir(p) and not os.path.islink(p):
                out[rel] = ("d", 0, 0, "")
            else:
                dg = file_digest(p) if contents else ""
                out[rel] = ("f", st.st_size, st.st_mtime_ns, dg)
    return out


# ------------------------------------------------------------------ runs

class Bench:
    def __init__(self, a):
        self.a = a
        self.work = a.workdir
        self.lfs = first_exe(os.environ.get("LATENCYFS"), find_build("latencyfs"))
        self.mpirun = shutil.which("mpirun")
        self.rows = []
        self.src_snap = {}

    def need(self):
        why = []
        if os.geteuid() != 0:
            why.append("needs root (mount namespaces, FUSE)")
        if not self.mpirun:
            why.append("mpirun not found (tools/deps.sh: openmpi-bin)")
        if not self.lfs:
            why.append("latencyfs not built (cmake builds it with libfuse3-dev)")
        if not os.path.exists("/dev/fuse"):
            why.append("no /dev/fuse")
        if why:
            print("bench/mpi: SKIP: " + "; ".join(why))
            sys.exit(77)

    def path(self, *p):
        return os.path.join(self.work, *p)

    def lfs_opts(self):
        o = "latency_us=%d,timeout=%g" % (self.a.latency_us, self.a.lfs_timeout)
        return o + ("," + self.a.lfs_extra if self.a.lfs_extra else "")

    def prepare(self):
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
        for d in ("src.b", "dst.b", "src", "dst", "stats", "times"):
            os.makedirs(self.path(d))
        t0 = time.time()
        sh([sys.executable, GEN, "small", self.path("src.b", "small"),
            "--files", str(self.a.files), "--dirs", str(self.a.dirs)])
        sh([sys.executable, GEN, "large", self.path("src.b", "big"),
            "--files", "1", "--size", str(self.a.big_mib)])
        print("trees made in %.1f s: small = %d files in %d dirs; big = one %d MiB file"
              % (time.time() - t0, self.a.files, self.a.dirs, self.a.big_mib))
        self.src_snap["small"] = snapshot(self.path("src.b", "small"))
        self.src_snap["big"] = snapshot(self.path("src.b", "big"), contents=False)
        self.big_digest = file_digest(os.path.join(
            self.path("src.b", "big"), os.listdir(self.path("src.b", "big"))[0]))

    def reset_dest(self, tree, identical):
        d = self.path("dst.b", tree)
        if os.path.exists(d):
            shutil.rmtree(d)
        if identical:   # an exact copy, made without the mounts (untimed)
            sh(["cp", "-a", self.path("src.b", tree), d])
        sh(["sync"])

    def run_one(self, tool, ranks, tree):
        """Runs TOOL on RANKS simulated hosts; returns (seconds, rc, requests)."""
        for d in ("stats", "times"):
            shutil.rmtree(self.path(d))
            os.makedirs(self.path(d))
        src, dst = self.path("src", tree), self.path("dst", tree)
        # Per rank: start and end times, and the CPU time of the tool
        # (bash's `times`: children's user and system time).
        timed = ('t=%s/rank$OMPI_COMM_WORLD_RANK; date +%%s.%%N >$t.start; "$@"; rc=$?; '
                 'date +%%s.%%N >$t.end; times >$t.cpu; exit $rc' % self.path("times"))
        lfs = self.lfs_opts()
        cmd = [self.mpirun] + MPI_FLAGS + ["-np", str(ranks), SIMHOST,
               "-m", "%s:%s:%s" % (self.path("src.b"), self.path("src"), lfs),
               "-m", "%s:%s:%s" % (self.path("dst.b"), self.path("dst"), lfs),
               "-s", self.path("stats"), "--", "bash", "-c", timed, "timed"]
        cmd += tool.argv_fn(src, dst)
        env = dict(os.environ, LATENCYFS=self.lfs, OMPI_ALLOW_RUN_AS_ROOT="1",
                   OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        log = open(self.path("last.log"), "w")
        p = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                           timeout=self.a.timeout)
        log.close()
        starts, ends, cpu = [], [], 0.0
        for n in os.listdir(self.path("times")):
            with open(self.path("times", n)) as f:
                text = f.read()
            if n.endswith(".cpu"):
                cpu += cpu_of_times(text)
            else:
                (starts if n.endswith(".start") else ends).append(float(text))
        secs = max(ends) - min(starts) if starts and ends else float("nan")
        req = 0
        for n in os.listdir(self.path("stats")):
            with open(self.path("stats", n)) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == "requests":
                        req += int(v)
        return secs, p.returncode, req, cpu

    def verify(self, tree):
        d = self.path("dst.b", tree)
        if not os.path.isdir(d):
            return "no destination"
        if tree == "big":
            got = snapshot(d, contents=False)
            if got != self.src_snap["big"]:
                return "differs (names, sizes or mtimes)"
            f = os.path.join(d, os.listdir(d)[0])
            return "ok" if file_digest(f) == self.big_digest else "contents differ"
        got = snapshot(d)
        if got == self.src_snap["small"]:
            return "ok"
        diff = [k for k in set(got) | set(self.src_snap["small"])
                if got.get(k) != self.src_snap["small"].get(k)]
        return "%d entries differ, e.g. %s" % (len(diff), sorted(diff)[:3])

    def workload(self, name, tool):
        tree = "big" if name.startswith("big") else "small"
        nfiles = self.a.files if tree == "small" else 1
        ranks = self.a.ranks if tool.mpi else [1]
        for r in ranks:
            self.reset_dest(tree, identical=name.endswith("noop"))
            la = loadavg()
            secs, rc, req, cpu = self.run_one(tool, r, tree)
            ok = self.verify(tree)
            row = dict(workload=name, tool=tool.name, ranks=r, seconds=round(secs, 3),
                       cpu_seconds=round(cpu, 2), exit=rc, requests=req,
                       req_per_file=round(req / nfiles, 1), verified=ok, load_before=la)
            self.rows.append(row)
            print("  %-14s %-13s %2d rank%s %8.2f s  cpu %7.2f s  exit %d  %9d requests (%6.1f/file)  %s  [load %s]"
                  % (name, tool.name, r, "s" if r > 1 else " ", secs, cpu, rc, req,
                     req / nfiles, ok, la), flush=True)
            if rc != 0 or ok != "ok":
                with open(self.path("last.log")) as f:
                    print("    " + "".join(f.readlines()[-15:]).replace("\n", "\n    "))
        self.reset_dest(tree, identical=False)   # give the space back now

    def table(self):
        out = ["| workload | tool | ranks | seconds | vs 1 rank | vs rsync | CPU s | requests/file | checked |",
               "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        base = {}
        for r in self.rows:
            if r["ranks"] == 1:
                base[(r["workload"], r["tool"])] = r["seconds"]
        for r in self.rows:
            one = base.get((r["workload"], r["tool"]))
            rs = base.get((r["workload"], "rsync"))
            f = lambda x: "%.2f" % x if x else "-"
            out.append("| %s | %s | %d | %.2f | %s | %s | %.2f | %.1f | %s%s |" % (
                r["workload"], r["tool"], r["ranks"], r["seconds"],
                f(one / r["seconds"]) + "x" if one and r["ranks"] > 1 else "",
                f(rs / r["seconds"]) + "x" if rs and r["tool"] != "rsync" else "",
                r["cpu_seconds"], r["req_per_file"], r["verified"],
                "" if r["exit"] == 0 else ", exit %d" % r["exit"]))
        return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("workloads", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--quick", action="store_true", help="500 files, a 256 MiB file")
    ap.add_argument("--ranks", default="1,2,4,8")
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--dirs", type=int, default=40)
    ap.add_argument("--big-mib", type=int, default=4096)
    ap.add_argument("--latency-us", type=int, default=500)
    ap.add_argument("--lfs-timeout", type=float, default=1.0,
                    help="latencyfs attribute/entry cache seconds (NFS-like: 1)")
    ap.add_argument("--lfs-extra", default="",
                    help="more latencyfs options, e.g. profile=nfs,bw_mbit=10000")
    ap.add_argument("--tools", default="rsync,treesync,dsync,treesync-mpi")
    ap.add_argument("--workdir", default="/tmp/tsbench-mpi")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per run")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    a = ap.parse_args()
    if a.list:
        for k, v in WORKLOADS.items():
            print("%-14s %s" % (k, v))
        return 0
    if a.quick:
        a.files, a.dirs, a.big_mib = 500, 10, 256
    a.ranks = [int(x) for x in a.ranks.split(",")]
    names = a.workloads or list(WORKLOADS)
    for n in names:
        if n not in WORKLOADS:
            ap.error("unknown workload %s (--list)" % n)
    b = Bench(a)
    b.need()
    print("machine: %d CPUs, %s; kernel %s; load %s" % (
        os.cpu_count(), open("/proc/meminfo").readline().split(":")[1].strip(),
        os.uname().release, loadavg()))
    print("latencyfs: %s, %s" % (b.lfs, b.lfs_opts()))
    selected = [t for t in tools(a) if t.name in a.tools.split(",")]
    for t in selected:
        print("%-13s %s" % (t.name, t.path or "SKIP: " + t.why_missing))
    b.prepare()
    try:
        for n in names:
            for t in selected:
                if t.path:
                    b.workload(n, t)
    finally:
        if not a.keep:
            shutil.rmtree(a.workdir, ignore_errors=True)
    print()
    print(b.table())
    if a.json:
        with open(a.json, "w") as f:
            json.dump(b.rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
