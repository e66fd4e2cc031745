#!/usr/bin/env python3
"""Give every entry of a tree a distinct, deterministic, past mtime.

Usage: stamp.py DIR [BASE_EPOCH_SECONDS]

Entries are visited in sorted byte order of their relative path; entry number
i gets BASE + i*61 seconds + a nanosecond part that is never zero, so that an
implementation that drops nanoseconds, swaps two entries' times or forgets to
set a time at all is caught.  Symlinks get their own time (lutimes); the root
gets one too.  Setting a child's time never changes its parent's mtime, so the
order does not matter for correctness.
"""
import os
import sys


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    root = os.fsencode(argv[1])
    base = int(argv[2]) if len(argv) == 3 else 1500000000
    rels = [b"."]
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for n in dirnames + filenames:
            rels.append(n if rel == b"." else os.path.join(rel, n))
    rels.sort()
    for i, rel in enumerate(rels):
        ns = (base + i * 61) * 1000000000 + (123456789 * (i + 1)) % 999999999 + 1
        path = root if rel == b"." else os.path.join(root, rel)
        os.utime(path, ns=(ns, ns), follow_symlinks=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
