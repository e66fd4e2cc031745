#!/usr/bin/env python3
"""gen.py -- deterministic benchmark trees for treesync (python3 stdlib only).

    gen.py small  DIR [--files N] [--dirs N] [--seed S]   50,000 files of 0-16 KiB in ~1,000 dirs
    gen.py many   DIR [--files N] [--dirs N] [--seed S]   500,000 empty files
    gen.py large  DIR [--files N] [--size MiB] [--seed S] 4 x 256 MiB
    gen.py mixed  DIR [--files N] [--seed S]              log-normal sizes, symlinks, hard
                                                          links, odd names, modes, deep dirs
    gen.py mutate DIR [--fraction F] [--seed S]           ~1% of the regular files changed
                                                          in place, grown, removed, and as
                                                          many added (a quarter each)

The same arguments give the same tree, byte for byte, with the same names,
modes and mtimes (mtimes are fixed, in 2021; mutate stamps what it touches
with fixed times in 2031, so every change is visible to a size+mtime
quick check).  DIR must not exist (it is created), except for mutate.
--quick picks the smaller trees that bench/run.py --quick uses.

Fast: files are created relative to a directory fd, empty files with one
mknodat each, data comes from slices of one random buffer.
"""
import argparse
import os
import random
import stat
import sys
import time

BASE_MTIME = 1609459200          # 2021-01-01T00:00:00Z
MUTATE_MTIME = 1924992000        # 2031-01-01T00:00:00Z
POOL_SIZE = 4 << 20

QUICK = {
    "small": dict(files=5000, dirs=100),
    "many": dict(files=20000, dirs=100),
    "large": dict(files=4, size=16),
    "mixed": dict(files=2000),
}
FULL = {
    "small": dict(files=50000, dirs=1000),
    "many": dict(files=500000, dirs=1000),
    "large": dict(files=4, size=256),
    "mixed": dict(files=10000),
}


class Pool:
    """Deterministic pseudo-random bytes: slices of one seeded buffer."""

    def __init__(self, rng):
        self.buf = rng.randbytes(POOL_SIZE)
        self.rng = rng

    def take(self, n, rng=None):
        if n <= 0:
            return b""
        if n <= POOL_SIZE:
            off = (rng or self.rng).randrange(0, POOL_SIZE - n + 1)
            return self.buf[off:off + n]
        # Large: the whole buffer repeated, each repeat stamped with its index
        # so that no two blocks of a file are equal (no dedup artefacts).
        out = bytearray()
        i = 0
        while len(out) < n:
            out += i.to_bytes(8, "little") + self.buf[8:]
            i += 1
        return bytes(out[:n])


def mtime_ns(rng, base=BASE_MTIME):
    return (base + rng.randrange(0, 365 * 86400)) * 10**9 + rng.randrange(0, 10**9)


def write_file(dfd, name, data, mode=0o644, t=None):
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                 mode, dir_fd=dfd)
    try:
        mv = memoryview(data)
        while mv:
            n = os.write(fd, mv)
            mv = mv[n:]
        if t is not None:
            os.utime(fd, ns=(t, t))
    finally:
        os.close(fd)


def mkdir_open(pfd, name):
    os.mkdir(name, 0o755, dir_fd=pfd)
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=pfd)


def set_dir_time(pfd, name, t):
    os.utime(name, ns=(t, t), dir_fd=pfd, follow_symlinks=False)


def two_level(ndirs):
    """Splits NDIRS leaf directories into ~sqrt(N) top dirs of ~sqrt(N) each."""
    top = max(1, int(round(ndirs ** 0.5)))
    per = [ndirs // top + (1 if i < ndirs % top else 0) for i in range(top)]
    return per


def _flat_top(rfd, ti, nsub, leaf0, files, dirs, seed, pool):
    """One top directory of a small/many tree, with its own seeded RNG (so
    that top dirs can be made by several processes, same result)."""
    rng = random.Random(seed * 1000003 + ti)
    tname = "d%03d" % ti
    tfd = mkdir_open(rfd, tname)
    made = 0
    for si in range(nsub):
        leaf = leaf0 + si
        sname = "s%03d" % si
        sfd = mkdir_open(tfd, sname)
        n = files // dirs + (1 if leaf < files % dirs else 0)
        for fi in range(n):
            t = mtime_ns(rng)
            if pool:
                write_file(sfd, "f%05d.dat" % fi,
                           pool.take(rng.randrange(0, 16385), rng), t=t)
            else:
                name = "e%05d" % fi
                os.mknod(name, stat.S_IFREG | 0o644, dir_fd=sfd)
                os.utime(name, ns=(t, t), dir_fd=sfd, follow_symlinks=False)
            made += 1
        os.close(sfd)
        set_dir_time(tfd, sname, mtime_ns(rng))
    os.close(tfd)
    set_dir_time(rfd, tname, mtime_ns(rng))
    return made


def gen_flat(root, files, dirs, seed, sizes, procs=None):
    """small / many: a two-level tree of leaf dirs holding the files, made
    by one process per CPU (each takes every Nth top directory)."""
    pool = Pool(random.Random(seed)) if sizes else None
    os.makedirs(root)
    rfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    per_top = two_level(dirs)
    firsts = [sum(per_top[:i]) for i in range(len(per_top))]
    procs = procs or min(4, os.cpu_count() or 1)
    kids = []
    for w in range(procs):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for ti in range(w, len(per_top), procs):
                    _flat_top(rfd, ti, per_top[ti], firsts[ti], files, dirs, seed, pool)
            except BaseException as ex:
                print("gen.py: %s" % ex, file=sys.stderr)
                code = 1
            os._exit(code)
        kids.append(pid)
    bad = 0
    for pid in kids:
        bad |= os.waitpid(pid, 0)[1]
    if bad:
        sys.exit("gen.py: a generator process failed")
    os.close(rfd)
    os.utime(root, ns=(BASE_MTIME * 10**9,) * 2)
    return files


def gen_large(root, files, size_mib, seed):
    rng = random.Random(seed)
    os.makedirs(root)
    rfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    blk = rng.randbytes(1 << 20)
    for i in range(files):
        name = "large%02d.bin" % i
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=rfd)
        for b in range(size_mib):
            # every MiB differs: file index and block index stamped in front
            os.write(fd, i.to_bytes(4, "little") + b.to_bytes(4, "little") + blk[8:])
        t = mtime_ns(rng)
        os.utime(fd, ns=(t, t))
        os.close(fd)
    os.close(rfd)
    os.utime(root, ns=(BASE_MTIME * 10**9,) * 2)
    return files


ODD = [
    "with space", " leading space", "trailing space ", "tab\there", "new\nline",
    "-leading-dash", "--option-like", ".hidden", "..double-dot", "back\\slash",
    "quote'single", 'quote"double', "star*glob?[x]", "dollar$HOME", "semi;colon",
    "caf\u00e9", "\u65e5\u672c\u8a9e", "emoji\U0001F600", "x" * 255,
    "percent%s%n", "colon:name", "hash#name", "a{b,c}", "~tilde",
]
# names that are not valid UTF-8 (bytes)
ODD_BYTES = [b"latin1-\xe9t\xe9", b"bad-\xff\xfe", b"ctrl-\x01\x7f-\x9b"]


def gen_mixed(root, files, seed):
    rng = random.Random(seed)
    pool = Pool(rng)
    os.makedirs(root)
    broot = os.fsencode(root)
    # directories: a random tree, some deep chains, some empty dirs
    dirs = [b""]
    ndirs = max(4, files // 25)
    for i in range(ndirs):
        parent = rng.choice(dirs)
        name = b"dir%04d" % i
        if i % 37 == 0:
            name = os.fsencode(rng.choice(ODD[:18])) + b"_%d" % i
        p = os.path.join(parent, name) if parent else name
        os.mkdir(os.path.join(broot, p), 0o755)
        dirs.append(p)
    deep = b""
    for i in range(24):
        deep = os.path.join(deep, b"deep%02d" % i) if deep else b"deep00"
        os.mkdir(os.path.join(broot, deep))
    dirs.append(deep)
    for i in range(10):
        os.mkdir(os.path.join(broot, b"empty%02d" % i))
    regs = []
    odd_i = 0
    for i in range(files):
        d = rng.choice(dirs)
        r = rng.random()
        if r < 0.03 and odd_i < 400:
            src = ODD[odd_i % len(ODD)] if odd_i % 8 else None
            name = (os.fsencode(src) if src else ODD_BYTES[odd_i % len(ODD_BYTES)])
            name = name[:240] + (b"_%d" % i)
            odd_i += 1
        else:
            name = b"file%06d%s" % (i, rng.choice([b".txt", b".bin", b".c", b"", b".tar.gz"]))
        size = int(min(rng.lognormvariate(8.0, 2.0), 16 << 20))
        mode = rng.choice([0o644, 0o644, 0o644, 0o600, 0o755, 0o444, 0o640])
        p = os.path.join(broot, d, name)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, pool.take(size)) if size <= POOL_SIZE else _write_big(fd, pool, size)
        t = mtime_ns(rng)
        os.utime(fd, ns=(t, t))
        os.fchmod(fd, mode)
        os.close(fd)
        regs.append(os.path.join(d, name))
    # symlinks: relative, absolute, dangling, to dirs, to symlinks
    nlinks = max(10, files // 50)
    for i in range(nlinks):
        d = rng.choice(dirs)
        kind = i % 5
        if kind == 0:
            target = os.path.relpath(rng.choice(regs), d or b".")
        elif kind == 1:
            target = b"/etc/hostname"
        elif kind == 2:
            target = b"does/not/exist-%d" % i
        elif kind == 3:
            target = os.path.relpath(rng.choice(dirs) or b".", d or b".")
        else:
            target = b"link%05d" % (i - 1)
        os.symlink(target, os.path.join(broot, d, b"link%05d" % i))
        t = mtime_ns(rng)
        os.utime(os.path.join(broot, d, b"link%05d" % i), ns=(t, t),
                 follow_symlinks=False)
    # hard links
    for i in range(max(2, files // 200)):
        src = rng.choice(regs)
        d = rng.choice(dirs)
        os.link(os.path.join(broot, src), os.path.join(broot, d, b"hardlink%04d" % i))
    # a fifo
    os.mkfifo(os.path.join(broot, b"fifo0"))
    # directory times last, deepest first
    for d in sorted(dirs + [b"empty%02d" % i for i in range(10)], key=len, reverse=True):
        t = mtime_ns(rng)
        os.utime(os.path.join(broot, d) if d else broot, ns=(t, t))
    return files


def _write_big(fd, pool, size):
    data = pool.take(size)
    mv = memoryview(data)
    while mv:
        mv = mv[os.write(fd, mv):]


def mutate(root, fraction, seed):
    """Changes ~FRACTION of the regular files: a quarter rewritten in place
    (same size), a quarter grown, a quarter removed, and as many new files
    added.  Deterministic for a tree made by this script."""
    rng = random.Random(seed ^ 0x5eed)
    pool = Pool(rng)
    broot = os.fsencode(root)
    regs, dirs = [], []
    for dp, dn, fn in os.walk(broot):
        dn.sort()
        rel = os.path.relpath(dp, broot)
        rel = b"" if rel == b"." else rel
        dirs.append(rel)
        for f in sorted(fn):
            p = os.path.join(dp, f)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                regs.append((os.path.join(rel, f) if rel else f, st.st_size))
    n = max(4, int(len(regs) * fraction))
    q = max(1, n // 4)
    picked = rng.sample(range(len(regs)), min(len(regs), 3 * q))
    counts = {"changed": 0, "grown": 0, "removed": 0, "added": 0}
    touched_dirs = set()
    for k, idx in enumerate(picked):
        rel, size = regs[idx]
        p = os.path.join(broot, rel)
        t = (MUTATE_MTIME + k) * 10**9 + 123456789
        if k < q:          # same size, new bytes
            fd = os.open(p, os.O_WRONLY)
            if size:
                os.pwrite(fd, pool.take(min(size, 4096)), 0)
            else:
                os.write(fd, b"x")   # an empty file can only grow
            os.utime(fd, ns=(t, t))
            os.close(fd)
            counts["changed"] += 1
        elif k < 2 * q:    # grown
            fd = os.open(p, os.O_WRONLY | os.O_APPEND)
            os.write(fd, pool.take(rng.randrange(1, 8193)))
            os.utime(fd, ns=(t, t))
            os.close(fd)
            counts["grown"] += 1
        else:              # removed
            os.unlink(p)
            touched_dirs.add(os.path.dirname(rel))
            counts["removed"] += 1
    for k in range(q):
        d = rng.choice(dirs)
        p = os.path.join(broot, d, b"added%05d.dat" % k)
        if os.path.lexists(p):
            continue
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, pool.take(rng.randrange(0, 16385)))
        t = (MUTATE_MTIME + 100000 + k) * 10**9
        os.utime(fd, ns=(t, t))
        os.close(fd)
        touched_dirs.add(d)
        counts["added"] += 1
    # directories whose entries changed: fixed times too (deterministic)
    for i, d in enumerate(sorted(touched_dirs)):
        t = (MUTATE_MTIME + 200000 + i) * 10**9
        os.utime(os.path.join(broot, d) if d else broot, ns=(t, t))
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("kind", choices=["small", "many", "large", "mixed", "mutate"])
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="the smaller trees of --quick runs")
    ap.add_argument("--files", type=int)
    ap.add_argument("--dirs", type=int)
    ap.add_argument("--size", type=int, help="large: MiB per file")
    ap.add_argument("--fraction", type=float, default=0.01, help="mutate: share of files touched")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    if a.kind == "mutate":
        c = mutate(a.dir, a.fraction, a.seed)
        print("mutate %s: %s (%.2fs)" % (a.dir, ", ".join("%d %s" % (v, k) for k, v in c.items()),
                                          time.monotonic() - t0))
        return 0
    if os.path.lexists(a.dir):
        sys.exit("gen.py: %s exists" % a.dir)
    p = dict((QUICK if a.quick else FULL)[a.kind])
    for k in ("files", "dirs", "size"):
        if getattr(a, k) is not None:
            p[k] = getattr(a, k)
    if a.kind in ("small", "many"):
        n = gen_flat(a.dir, p["files"], p["dirs"], a.seed, sizes=(a.kind == "small"))
    elif a.kind == "large":
        n = gen_large(a.dir, p["files"], p["size"], a.seed)
    else:
        n = gen_mixed(a.dir, p["files"], a.seed)
    print("%s %s: %d files (%.2fs)" % (a.kind, a.dir, n, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
