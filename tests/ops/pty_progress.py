#!/usr/bin/env python3
"""pty_progress.py CAPTURE [COLUMNS] -- analyse what a terminal received
from `treesync --progress` (the bytes script(1) wrote for the pty) and print
one KEY=VALUE line per fact, for the shell tests to check:

  frames=N        progress lines drawn ("\\r...N/M files...")
  rate_frames=N   frames that show a rate ("12.3 MiB/s")
  first=...       the first frame, last=... the last one (trailing blanks cut)
  last_done=N/M   the file counts of the last frame
  ends_newline=0|1  the capture ends with a newline
  cr_after_last=0|1 a carriage return follows the last frame's newline
  rendered_last=... the last non-empty line of the screen, as a terminal of
                  COLUMNS columns (default: unlimited) shows it (\\r, \\n,
                  autowrap and the erase-in-line sequence ESC [ K)
  rendered_rows=N how many screen rows hold a progress frame at the end
  widest=N        the widest frame, in columns
  clean=0|1       the rendered last progress row equals the last frame (no
                  leftovers of a longer earlier frame)

The pty turns "\\n" into "\\r\\n" (ONLCR); that pair is read as a newline.
"""
import re
import sys

FRAME = re.compile(r"(\d+)/(\d+) files")
RATE = re.compile(r"[0-9.]+ (B|KiB|MiB|GiB|TiB)/s")


CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])")


def render(text, cols):
    """The screen rows a terminal shows for TEXT.  Understands \\r, \\n,
    autowrap at COLS (0: no limit) and the CSI sequences a progress line may
    use to clear itself: K (erase in line); other CSI sequences are
    ignored."""
    rows, row, col = [], [], 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\x1b":
            m = CSI.match(text, i)
            if m:
                if m.group(2) == "K":
                    arg = m.group(1) or "0"
                    if arg == "0":
                        del row[col:]
                    elif arg == "1":
                        row[:col] = [" "] * min(col, len(row))
                    else:
                        row = []
                i = m.end()
                continue
        i += 1
        if ch == "\n":
            rows.append("".join(row))
            row, col = [], 0
        elif ch == "\r":
            col = 0
        else:
            if cols and col >= cols:          # autowrap
                rows.append("".join(row))
                row, col = [], 0
            if col < len(row):
                row[col] = ch
            else:
                row.extend(" " * (col - len(row)))
                row.append(ch)
            col += 1
    if row:
        rows.append("".join(row))
    return rows


def main():
    data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
    cols = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    text = data.replace("\r\n", "\n")
    # Frames: what follows each \r up to the next \r or \n.
    frames = [CSI.sub("", f) for f in re.split(r"[\r\n]", text)
              if FRAME.search(f)]
    out = {}
    out["frames"] = len(frames)
    out["rate_frames"] = sum(1 for f in frames if RATE.search(f))
    out["first"] = frames[0].rstrip() if frames else ""
    out["last"] = frames[-1].rstrip() if frames else ""
    m = FRAME.search(frames[-1]) if frames else None
    out["last_done"] = "%s/%s" % (m.group(1), m.group(2)) if m else ""
    out["ends_newline"] = int(text.endswith("\n"))
    plain = CSI.sub("", text)
    last_frame_at = max((plain.rfind(f) for f in frames[-1:]), default=-1)
    nl = plain.find("\n", last_frame_at) if last_frame_at >= 0 else -1
    out["cr_after_last"] = int(nl >= 0 and "\r" in plain[nl:])
    rows = render(text, cols)
    nonempty = [r.rstrip() for r in rows if r.strip()]
    out["rendered_last"] = nonempty[-1] if nonempty else ""
    prog_rows = [r.rstrip() for r in rows if FRAME.search(r)]
    out["rendered_rows"] = len(prog_rows)
    out["widest"] = max((len(f.rstrip()) for f in frames), default=0)
    out["clean"] = int(bool(prog_rows) and prog_rows[-1] == out["last"])
    for k, v in out.items():
        print("%s=%s" % (k, str(v).replace("\n", " ")))


if __name__ == "__main__":
    main()
