#!/usr/bin/env python3
"""plot.py -- PNG plots of a bench/run.py result, drawn by gnuplot.

    bench/plot.py RESULT.json [OUTDIR]

Writes into OUTDIR (default: RESULT's directory, files named after it):
  PREFIX-time-PROFILE.png      median wall time per tool, per network
                               workload (log scale), one per profile
  PREFIX-requests-PROFILE.png  requests to the two latencyfs daemons per
                               file of the workload, per tool
  PREFIX-workers.png           throughput of the big-file workload
                               (net-1g-two) against treesync's -j, per
                               profile, with rsync and cp as lines
  PREFIX-local.png             median time per tool of the local workloads
Each plot's data is written next to it (.dat) with the gnuplot script
(.gp), so a plot can be redrawn or checked by hand.  Needs gnuplot
(Debian: gnuplot-nox); python3 standard library only.
"""
import json
import os
import re
import shutil
import subprocess
import sys

TOOLS = ("treesync", "rsync", "cp")
NET = ("net-initial-two", "net-noop-two", "net-mutate-two", "net-1g-two",
       "net-8g-two", "net-initial-one", "net-noop-one")


def rows_by(results):
    """{(workload, tool): row}"""
    return {(r["workload"], r["tool"]): r for r in results}


def gnuplot(out, gp):
    with open(out + ".gp", "w") as f:
        f.write(gp)
    d = os.path.dirname(os.path.abspath(out))
    subprocess.run(["gnuplot", os.path.basename(out) + ".gp"], check=True, cwd=d)


def bars(out, title, ylabel, names, series, values, logscale=False):
    """A clustered bar chart: NAMES on x, one bar per SERIES."""
    with open(out + ".dat", "w") as f:
        f.write("# %s\n" % " ".join(["name"] + list(series)))
        for n in names:
            f.write(" ".join([n] + [("%.6g" % values[(n, s)]) if (n, s) in values else "NaN"
                                    for s in series]) + "\n")
    plots = ", ".join("'%s.dat' using %d:xtic(1) title '%s'" % (os.path.basename(out), i + 2, s)
                      for i, s in enumerate(series))
    gnuplot(out, """set terminal pngcairo size 1000,520 font ',10'
set output '%s.png'
set title "%s"
set ylabel "%s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set xtics rotate by -20
set yrange [%s:*]
%s
plot %s
""" % (os.path.basename(out), title, ylabel,
       "0.01" if logscale else "0", "set logscale y" if logscale else "", plots))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if not shutil.which("gnuplot"):
        sys.exit("plot.py: gnuplot not found (apt-get install gnuplot-nox)")
    src = sys.argv[1]
    with open(src) as f:
        doc = json.load(f)
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(src))
    os.makedirs(outdir, exist_ok=True)
    prefix = os.path.join(outdir, os.path.splitext(os.path.basename(src))[0])
    res = doc["results"]
    by = rows_by(res)
    counters = doc.get("counters", {})
    profiles = []
    for r in res:
        if "/" in r["workload"]:
            p = r["workload"].split("/", 1)[1]
            if p not in profiles:
                profiles.append(p)
    made = []
    for p in profiles:
        names = [w for w in NET if any((w + "/" + p, t) in by for t in TOOLS)]
        if not names:
            continue
        t = {(w, tool): by[(w + "/" + p, tool)]["median"]
             for w in names for tool in TOOLS if (w + "/" + p, tool) in by}
        bars("%s-time-%s" % (prefix, p), "Median wall time, latencyfs profile %s" % p,
             "seconds (log scale)", names, TOOLS, t, logscale=True)
        made.append("%s-time-%s.png" % (prefix, p))
        q = {}
        for w in names:
            for tool, c in counters.get(w + "/" + p, {}).items():
                if tool in TOOLS and c.get("files"):
                    q[(w, tool)] = c["requests"] / c["files"]
        if q:
            bars("%s-requests-%s" % (prefix, p),
                 "Requests to the latencyfs daemons per file, profile %s" % p,
                 "requests per file (log scale)", names, TOOLS, q, logscale=True)
            made.append("%s-requests-%s.png" % (prefix, p))
    # throughput against -j: net-1g-two's treesync-jN rows
    lines, pts = [], {}
    for p in profiles:
        wl = "net-1g-two/" + p
        for (w, tool), r in by.items():
            m = re.fullmatch(r"treesync-j(\d+)", tool)
            if w == wl and m:
                pts.setdefault(p, []).append((int(m.group(1)), 1024 / r["median"]))
    if pts:
        out = prefix + "-workers"
        with open(out + ".dat", "w") as f:
            for i, p in enumerate(profiles):
                f.write("# profile %s: workers MiB/s; rsync; cp; treesync default\n" % p)
                for j, v in sorted(pts.get(p, [])):
                    f.write("%d %.1f\n" % (j, v))
                f.write("\n\n")
        for i, p in enumerate(profiles):
            if p not in pts:
                continue
            lines.append("'%s.dat' index %d using 1:2 with linespoints lw 2 title 'treesync -j N, %s'"
                         % (os.path.basename(out), i, p))
            for tool, dt in (("rsync", "dashtype 2"), ("cp", "dashtype 3")):
                r = by.get(("net-1g-two/" + p, tool))
                if r:
                    lines.append("%.1f with lines %s title '%s, %s'" % (1024 / r["median"], dt, tool, p))
        gnuplot(out, """set terminal pngcairo size 900,520 font ',10'
set output '%s.png'
set title "1 GiB file between two latencyfs mounts: throughput against workers (-j)"
set xlabel "treesync -j (workers; a file is cut into at most 8 pieces at a time)"
set ylabel "MiB/s"
set logscale x 2
set grid
set key outside right
set yrange [0:*]
plot %s
""" % (os.path.basename(out), ", ".join(lines)))
        made.append(out + ".png")
    local = [r["workload"] for r in res
             if "/" not in r["workload"] and not r["workload"].startswith("net-")]
    local = list(dict.fromkeys(local))
    if local:
        t = {(r["workload"], r["tool"]): r["median"] for r in res
             if r["workload"] in local and r["tool"] in TOOLS}
        bars(prefix + "-local", "Median wall time, local workloads (private ext4)",
             "seconds (log scale)", local, TOOLS, t, logscale=True)
        made.append(prefix + "-local.png")
    for m in made:
        print(m)


if __name__ == "__main__":
    main()
