#!/usr/bin/env python3
"""Canonical snapshot of a directory tree, one line per entry, sorted.

Usage: snap.py [flags] DIR
       snap.py --diff [flags] A B [LABEL_A LABEL_B]   (exit 1 if different)

Each line (fields separated by a single space, path first):

  PATH TYPE mode=OOOO uid=N gid=N [size=N] [sha256=HEX] [link=TARGET]
       [rdev=MAJ,MIN] [mtime=NS] [nlink=N]

  PATH   relative to DIR; the root itself is ".".  Bytes that are not
         printable ASCII, a space, or a backslash are written as \\xNN, so a
         name with a newline or tab stays on one line and is unambiguous.
  TYPE   f regular, d directory, l symlink, p fifo, s socket,
         c char device, b block device, ? other
  size   regular files and symlinks (never directories: their st_size
         depends on the file system and on the directory's history)
  sha256 regular files
  link   symlink target (escaped like PATH)
  rdev   character/block devices
  mtime  nanoseconds, every type (rsync -t sets it on symlinks and specials too)
  nlink  regular files

Flags (drop a field so that a legitimately different value is ignored):
  --no-mtime         no mtime at all
  --no-mtime-dirs    no mtime on directories
  --no-mtime-root    no mtime on the root "." only
  --no-mtime-links   no mtime on symlinks
  --no-mtime-specials  no mtime on fifos, sockets and devices
  --mtime-sec        mtime truncated to whole seconds
  --no-owner         no uid
  --no-group         no gid
  --no-perms         no mode
  --no-root          leave the root "." out entirely
  --no-nlink         no nlink
  --no-hash          no content hash (size only)
"""
import hashlib
import os
import stat
import sys

FLAGS = {
    "--no-mtime", "--no-mtime-dirs", "--no-mtime-root", "--no-mtime-links",
    "--no-mtime-specials", "--mtime-sec", "--no-owner", "--no-group",
    "--no-perms", "--no-root", "--no-nlink", "--no-hash",
}


def esc(b):
    out = []
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif 0x20 < c < 0x7F:
            out.append(chr(c))
        elif c == 0x20:
            out.append(" ")
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def file_hash(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def entry(root, rel, flags):
    full = os.path.join(root, rel) if rel != b"." else root
    st = os.lstat(full)
    m = st.st_mode
    if stat.S_ISREG(m):
        t = "f"
    elif stat.S_ISDIR(m):
        t = "d"
    elif stat.S_ISLNK(m):
        t = "l"
    elif stat.S_ISFIFO(m):
        t = "p"
    elif stat.S_ISSOCK(m):
        t = "s"
    elif stat.S_ISCHR(m):
        t = "c"
    elif stat.S_ISBLK(m):
        t = "b"
    else:
        t = "?"
    f = [("type", t)]
    if "--no-perms" not in flags:
        f.append(("mode", "%04o" % stat.S_IMODE(m)))
    if "--no-owner" not in flags:
        f.append(("uid", "%d" % st.st_uid))
    if "--no-group" not in flags:
        f.append(("gid", "%d" % st.st_gid))
    if t in ("f", "l"):
        f.append(("size", "%d" % st.st_size))
    if t == "f" and "--no-hash" not in flags:
        f.append(("sha256", file_hash(full)))
    if t == "l":
        f.append(("link", esc(os.readlink(full))))
    if t in ("c", "b"):
        f.append(("rdev", "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))))
    want_mtime = "--no-mtime" not in flags
    if t == "d" and "--no-mtime-dirs" in flags:
        want_mtime = False
    if rel == b"." and "--no-mtime-root" in flags:
        want_mtime = False
    if t == "l" and "--no-mtime-links" in flags:
        want_mtime = False
    if t in ("p", "s", "c", "b", "?") and "--no-mtime-specials" in flags:
        want_mtime = False
    if want_mtime:
        ns = st.st_mtime_ns
        if "--mtime-sec" in flags:
            ns = (ns // 1000000000) * 1000000000
        f.append(("mtime", "%d" % ns))
    if t == "f" and "--no-nlink" not in flags:
        f.append(("nlink", "%d" % st.st_nlink))
    return f


def fmt(rel, fields):
    return " ".join([esc(rel), fields[0][1]] + ["%s=%s" % kv for kv in fields[1:]])


def tree(root, flags):
    """Sorted list of (relpath bytes, fields); None if root is missing."""
    if not os.path.lexists(root):
        return None
    if not os.path.isdir(root) or os.path.islink(root):
        # A single non-directory: just that entry, as ".".
        return [(b".", entry(root, b".", flags))]
    rels = [] if "--no-root" in flags else [b"."]
    # os.walk does not follow symlinks to directories; those appear in
    # dirnames, so collect names from both lists.
    for dirpath, dirnames, filenames in os.walk(root):
        base = os.path.relpath(dirpath, root)
        for n in dirnames + filenames:
            rels.append(n if base == b"." else os.path.join(base, n))
    # Sort by the raw byte path so the order is locale independent.
    rels.sort(key=lambda r: (r != b".", r))
    return [(r, entry(root, r, flags)) for r in rels]


def human_time(ns):
    import time
    sec, frac = divmod(int(ns), 1000000000)
    return "%s.%09d" % (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(sec)), frac)


def diff(a, b, la, lb, flags):
    """Per-entry differences between trees a and b; returns the line list."""
    ta, tb = tree(a, flags), tree(b, flags)
    if ta is None or tb is None:
        if ta is None and tb is None:
            return []
        return ["%s does not exist, %s does" % ((la, lb) if ta is None else (lb, la))]
    da, db = dict(ta), dict(tb)
    out = []
    for rel in sorted(set(da) | set(db), key=lambda r: (r != b".", r)):
        if rel not in db:
            out.append("only in %s: %s" % (la, fmt(rel, da[rel])))
        elif rel not in da:
            out.append("only in %s: %s" % (lb, fmt(rel, db[rel])))
        elif da[rel] != db[rel]:
            fa, fb = dict(da[rel]), dict(db[rel])
            parts = []
            for k in [k for k, _ in da[rel]] + [k for k, _ in db[rel] if k not in fa]:
                va, vb = fa.get(k, "-"), fb.get(k, "-")
                if va != vb:
                    if k == "mtime" and va != "-" and vb != "-":
                        va, vb = "%s (%s)" % (va, human_time(va)), "%s (%s)" % (vb, human_time(vb))
                    parts.append("%s: %s=%s  %s=%s" % (k, la, va, lb, vb))
            out.append("%s: %s" % (esc(rel), "; ".join(parts)))
    return out


def main(argv):
    flags = set()
    args = []
    if len(argv) > 1 and argv[1] == "--diff":
        # snap.py --diff [flags] A B [LABEL_A LABEL_B]: exit 1 and list the
        # differences entry by entry when the snapshots differ.
        for a in argv[2:]:
            (flags.add(a) if a in FLAGS else args.append(a))
        if len(args) not in (2, 4):
            sys.stderr.write("usage: snap.py --diff [flags] A B [LABEL_A LABEL_B]\n")
            return 2
        la, lb = (args[2], args[3]) if len(args) == 4 else (args[0], args[1])
        lines = diff(os.fsencode(args[0]), os.fsencode(args[1]), la, lb, flags)
        for line in lines:
            print(line)
        return 1 if lines else 0
    for a in argv[1:]:
        if a in FLAGS:
            flags.add(a)
        elif a.startswith("--"):
            sys.stderr.write("snap.py: unknown flag %s\n" % a)
            return 2
        else:
            args.append(a)
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    t = tree(os.fsencode(args[0]), flags)
    if t is None:
        print("<missing>")
        return 0
    for rel, fields in t:
        print(fmt(rel, fields))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
