#!/usr/bin/env python3
"""Turns the raw measurements of one bench/run.sh run into tables (text + markdown) and a chart.

    report.py OUTDIR SYSTEMS [--chart]

OUTDIR holds what run.sh wrote: raw.tsv (target, rep, workload, value, unit, daemon cpu seconds; rep w1, w2...
= a warm-up repetition, kept out of the medians),
startup.tsv (system, kind, seconds, rss KiB), memory-<system>.tsv (epoch, rss KiB, hwm KiB),
jvm-<system>.tsv (key, value), windows.tsv (target, rep, workload, start and end epoch seconds),
logs/gc-<system>.log (the JVM's -Xlog:gc with epoch-ms times), logs/<system>.log (the server's output) and
skipped.tsv (system, reason). SYSTEMS is the comma separated
column order (without native). Writes results.txt, results.md and, with --chart, chart.png.
"""
import os
import re
import statistics
import sys


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def ratio(unit, value, native):
    """Performance relative to native: 1.00 = native, below 1 = slower (time rows are inverted); None when
    either side failed or is missing."""
    try:
        v, nat = float(value), float(native)
    except (TypeError, ValueError):  # None, "FAIL"
        return None
    if v <= 0 or nat <= 0:
        return None
    return nat / v if unit == "s" else v / nat


class Results:
    def __init__(self, outdir, systems):
        self.outdir = outdir
        self.systems = systems
        self.values, self.by_rep, self.first, self.cpu, self.order, self.unit = {}, {}, {}, {}, [], {}
        self.reps = []
        for target, rep, wl, val, unit, cpu in read_tsv(f"{outdir}/raw.tsv"):
            if wl not in self.unit:
                self.order.append(wl)
                self.unit[wl] = unit
            if rep.startswith("w"):
                if rep == "w1":
                    self.first[(target, wl)] = val
                continue
            self.values.setdefault((target, wl), []).append(val)
            self.by_rep[(target, wl, rep)] = val
            if rep not in self.reps:
                self.reps.append(rep)
            if cpu != "-":
                self.cpu.setdefault((target, wl), []).append(float(cpu))
        self.skipped = {row[0]: row[1] if len(row) > 1 else "" for row in read_tsv(f"{outdir}/skipped.tsv")}

    def median(self, target, wl):
        """Median of the repetitions, "FAIL" when any repetition failed, None when never measured."""
        vals = self.values.get((target, wl))
        if not vals:
            return None
        if "FAIL" in vals:
            return "FAIL"
        return statistics.median(float(v) for v in vals)

    def rel(self, target, wl):
        """Performance relative to native: 1.00 = native, below 1 = slower (time rows are inverted)."""
        return ratio(self.unit[wl], self.median(target, wl), self.median("native", wl))

    def paired(self, target, wl):
        """The ratio to native of each repetition against native's run of the same repetition (the systems of a
        repetition run back to back), so that a drift of the machine between repetitions cancels out."""
        ratios = (ratio(self.unit[wl], self.by_rep.get((target, wl, rep)), self.by_rep.get(("native", wl, rep)))
                  for rep in self.reps)
        return [x for x in ratios if x is not None]


def fmt(x):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:.3f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:.0f}"


def fmt_value(raw):
    """A raw.tsv value as the tables show it: a number formatted, "FAIL" kept, missing as "-"."""
    try:
        return fmt(float(raw))
    except (TypeError, ValueError):
        return raw or "-"


def fmt_rel(x):
    return "-" if x is None else f"{x:.2f}"


def mib(kib):
    return "-" if kib in (None, "-", "") else f"{int(kib) / 1024:.0f}"


def main_table(r):
    header = ["workload", "unit", "native"]
    for s in r.systems:
        header += [s, "rel"]
    rows = []
    for wl in r.order:
        row = [wl, r.unit[wl], fmt(r.median("native", wl))]
        for s in r.systems:
            row += [fmt(r.median(s, wl)), fmt_rel(r.rel(s, wl))]
        rows.append(row)
    return header, rows


def first_pass_table(r):
    """The first warm-up repetition: each server's first run of each workload after its launch."""
    if not r.first:
        return None, []
    header = ["workload", "unit", "native"]
    for s in r.systems:
        header += [s, "rel"]
    rows = []
    for wl in r.order:
        nat = r.first.get(("native", wl))
        row = [wl, r.unit[wl], fmt_value(nat)]
        for s in r.systems:
            v = r.first.get((s, wl))
            row += [fmt_value(v), fmt_rel(ratio(r.unit[wl], v, nat))]
        rows.append(row)
    return header, rows


def paired_table(r):
    header = ["workload"] + r.systems
    rows = []
    for wl in r.order:
        cells = []
        for s in r.systems:
            ratios = r.paired(s, wl)
            cells.append(f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})" if len(ratios) > 1
                         else f"{ratios[0]:.2f}" if ratios else "-")
        rows.append([wl] + cells)
    return header, rows


def cpu_table(r):
    header = ["workload"] + r.systems
    rows = []
    for wl in r.order:
        rows.append([wl] + [f"{statistics.median(r.cpu[(s, wl)]):.2f}" if r.cpu.get((s, wl)) else "-"
                            for s in r.systems])
    return header, rows


def startup_table(r):
    """startup.tsv rows: system, kind (first = after a build, cold = fresh home, warm = restart, bench = the
    measured mount), seconds to a mount answering stat, RSS KiB at that moment. stop.tsv rows: system, kind, seconds from SIGTERM (umount
    for servers that are not JVMs) until the server exited, outcome ("clean" = it unmounted and exited)."""
    groups, stops = {}, {}
    for row in read_tsv(f"{r.outdir}/startup.tsv"):
        row += ["-"] * (4 - len(row))
        groups.setdefault((row[0], row[1]), []).append(row)
    for row in read_tsv(f"{r.outdir}/stop.tsv"):
        row += ["-"] * (4 - len(row))
        stops.setdefault((row[0], row[1]), []).append(row)
    header = ["system", "launch", "n", "to stat s (median)", "min s", "max s", "RSS at ready MiB",
              "stop s (median)", "clean stops"]
    rows = []
    for (system, kind), launches in groups.items():
        ok = [x for x in launches if x[2] != "FAIL"]
        secs = [float(x[2]) for x in ok]
        rss = [int(x[3]) for x in ok if x[3].isdigit()]
        st = stops.get((system, kind), [])
        stop_secs = [float(x[2]) for x in st]
        clean = f"{sum(1 for x in st if x[3] == 'clean')}/{len(st)}" if st else "-"
        if not secs:
            rows.append([system, kind, str(len(launches)), "FAIL", "-", "-", "-", "-", clean])
            continue
        rows.append([system, kind, str(len(secs)), f"{statistics.median(secs):.2f}", f"{min(secs):.2f}",
                     f"{max(secs):.2f}", mib(statistics.median(rss)) if rss else "-",
                     f"{statistics.median(stop_secs):.2f}" if stop_secs else "-", clean])
    return header, rows


def stop_notes(r):
    """The stops that were not clean, one line each: they point at a server that leaves mounts behind."""
    return [f"unclean stop: {row[0]} ({row[1]}): {row[3]}" for row in read_tsv(f"{r.outdir}/stop.tsv")
            if len(row) > 3 and row[3] != "clean"]


def memory_table(r):
    header = ["system", "RSS at ready MiB", "RSS median MiB", "RSS max MiB", "VmHWM MiB",
              "heap committed MiB", "heap used MiB", "OutOfMemoryError"]
    rows = []
    for s in r.systems:
        info = dict((row[0], row[1]) for row in read_tsv(f"{r.outdir}/jvm-{s}.tsv") if len(row) > 1)
        samples = [int(row[1]) for row in read_tsv(f"{r.outdir}/memory-{s}.tsv") if row[1].isdigit()]
        if not info and not samples:
            continue
        rows.append([s, mib(info.get("rss_ready_kb")),
                     mib(statistics.median(samples)) if samples else "-",
                     mib(max(samples)) if samples else "-",
                     mib(info.get("hwm_kb")), mib(info.get("heap_committed_kb")), mib(info.get("heap_used_kb")),
                     str(oom_count(r.outdir, s)) if oom_count(r.outdir, s) is not None else "-"])
    return header, rows


# -Xlog:gc with the timemillis decoration, one line per collection:
#   [1764690000123ms] GC(12) Pause Young (Allocation Failure) 21M->4M(61M) 1.672ms
GC_RE = re.compile(r"^\[(\d+)ms\].*? GC\(\d+\) Pause (\w+).*? (\d+)([KMG])->(\d+)([KMG])\((\d+)([KMG])\) ([\d.]+)ms")
UNIT_KIB = {"K": 1, "M": 1024, "G": 1024 * 1024}


def gc_events(outdir, system):
    """(epoch s, kind, heap used after KiB, heap committed after KiB, pause ms) per collection of SYSTEM's JVM."""
    events = []
    log = f"{outdir}/logs/gc-{system}.log"
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                m = GC_RE.search(line)
                if m:
                    events.append((int(m.group(1)) / 1000, m.group(2), int(m.group(5)) * UNIT_KIB[m.group(6)],
                                   int(m.group(7)) * UNIT_KIB[m.group(8)], float(m.group(9))))
    return events


def oom_count(outdir, system):
    """Lines of the server's output naming an OutOfMemoryError (a JVM that ran out of heap or direct memory)."""
    log = f"{outdir}/logs/{system}.log"
    if not os.path.exists(log):
        return None
    with open(log, errors="replace") as f:
        return sum(1 for line in f if "OutOfMemoryError" in line)


def gc_table(r):
    """Per workload and JVM system: collections and pause time per run (median over the repetitions), GC time as
    a share of the workload's wall time, and the highest heap occupancy after a collection and heap committed
    over all repetitions. The last row covers the server's whole life (start-up, preparation steps, idle)."""
    systems = [s for s in r.systems if gc_events(r.outdir, s)]
    if not systems:
        return None, []
    windows = {}
    for row in read_tsv(f"{r.outdir}/windows.tsv"):
        if len(row) >= 5:
            windows.setdefault((row[0], row[2]), []).append((float(row[3]), float(row[4])))
    header = ["workload"]
    for s in systems:
        header += [f"{s} GCs", "GC ms", "GC %", "after GC max MiB", "committed MiB"]
    events = {s: gc_events(r.outdir, s) for s in systems}

    def cells(evs_per_run, wall):
        if not evs_per_run:
            return ["-"] * 5
        all_evs = [e for evs in evs_per_run for e in evs]
        ms = sum(e[4] for e in all_evs)
        return [f"{statistics.median(len(evs) for evs in evs_per_run):g}",
                f"{statistics.median(sum(e[4] for e in evs) for evs in evs_per_run):.1f}",
                f"{100 * ms / 1000 / wall:.1f}" if wall > 0 else "-",
                mib(max(e[2] for e in all_evs)) if all_evs else "-",
                mib(max(e[3] for e in all_evs)) if all_evs else "-"]

    rows = []
    for wl in r.order:
        row = [wl]
        for s in systems:
            runs = windows.get((s, wl), [])
            row += cells([[e for e in events[s] if a <= e[0] <= b] for a, b in runs], sum(b - a for a, b in runs))
        rows.append(row)
    row = ["(whole run)"]
    for s in systems:
        evs = events[s]
        life = evs[-1][0] - evs[0][0] if len(evs) > 1 else 0
        row += cells([evs], life)
    rows.append(row)
    return header, rows


def render_text(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def render_md(header, rows):
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(r) + " |" for r in rows])


def sections(r):
    notes = {
        "main": "rel = performance relative to native: throughput ratio (MiB/s, IOPS) or native_time/time (s rows);"
                " 1.00 = native speed, below 1 = slower. Values are medians over the repetitions (warm-up repetitions"
                " excluded: see First pass).",
        "paired": "Each repetition's ratio to native's run in the same repetition: median (lowest-highest). A"
                  " row whose range spans 1.00 widely is the machine's noise (cold rows read the shared virtual"
                  " disk), not a difference between the systems.",
        "first": "The warm-up repetition (run.sh -u), kept out of every other table: each server's first run of"
                 " each workload after its launch. A JVM runs code it has not run yet in its interpreter and"
                 " compiles it meanwhile, so a row whose code the earlier rows did not use (readdir after"
                 " create and stat) is slower here than in the repetitions.",
        "cpu": "Server CPU seconds (user+sys of the whole daemon process) per workload run, median. Near 0 on"
               " read/write rows means the kernel served the data through passthrough.",
        "startup": "Start-up: wall time from launching the command to its mount answering stat(2); first = the"
                   " first start after a build (records the JVM's AOT cache, assembled in the background before"
                   " the next launch), cold = fresh FUSE_HOME (empty framework cache), warm = restart on the same"
                   " home, bench = the launch of the mount measured above. Stop: SIGTERM (umount for servers that are not JVMs) until the server"
                   " exited; clean = it had unmounted by itself.",
        "memory": "JVM memory: VmRSS sampled every second while the benchmark ran, VmHWM (peak RSS) and"
                  " jcmd GC.heap_info at the end; OutOfMemoryError = lines naming one in the server's output.",
        "gc": "JVM collections (-Xlog:gc) during each workload's timed part: GCs and GC ms per run (median),"
              " GC % = pause time / wall time of the runs, after GC max = highest heap occupancy left by a"
              " collection (the live data), committed = highest heap size after a collection (bounded by -Xmx)."
              " (whole run) = from the first to the last collection of the server's life.",
    }
    out = [("Results", main_table(r), notes["main"]), ("Paired ratios", paired_table(r), notes["paired"]),
           ("Daemon CPU", cpu_table(r), notes["cpu"])]
    first = first_pass_table(r)
    if first[1]:
        out.append(("First pass", first, notes["first"]))
    st = startup_table(r)
    if st[1]:
        out.append(("Start-up", st, "\n".join([notes["startup"]] + stop_notes(r))))
    mem = memory_table(r)
    if mem[1]:
        out.append(("Memory", mem, notes["memory"]))
    gc = gc_table(r)
    if gc[1]:
        out.append(("GC", gc, notes["gc"]))
    return out


def write_reports(r):
    env = open(f"{r.outdir}/env.txt").read().rstrip() if os.path.exists(f"{r.outdir}/env.txt") else ""
    skipped = "\n".join(f"NOT MEASURED: {s}: {why}" for s, why in r.skipped.items())
    txt, md = [env, skipped, ""], [f"```\n{env}\n```", skipped, ""]
    for title, (header, rows), note in sections(r):
        txt += [f"== {title}", render_text(header, rows), note, ""]
        md += [f"### {title}", "", render_md(header, rows), "", note, ""]
    with open(f"{r.outdir}/results.txt", "w") as f:
        f.write("\n".join(t for t in txt if t is not None) + "\n")
    with open(f"{r.outdir}/results.md", "w") as f:
        f.write("\n".join(md) + "\n")


def write_chart(r, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [s for s in r.systems if any(r.rel(s, wl) is not None for wl in r.order)]
    workloads = list(r.order)
    if not systems or not workloads:
        return False
    n = len(systems)
    bar = 0.8 / n
    fig, ax = plt.subplots(figsize=(10, 0.3 * len(workloads) * n + 1.8))
    colors = plt.get_cmap("tab10").colors
    rels = {s: [r.rel(s, wl) or 0 for wl in workloads] for s in systems}
    xmax = min(max([1.0] + [v for vals in rels.values() for v in vals]) * 1.15, 2.0)
    for i, s in enumerate(systems):
        ys = [k - 0.4 + bar / 2 + i * bar for k in range(len(workloads))]
        vals = rels[s]
        ax.barh(ys, [min(v, xmax) for v in vals], height=bar * 0.92, color=colors[i % len(colors)], label=s)
        for y, v in zip(ys, vals):
            if v > xmax * 0.9:  # off the scale: write the value inside the bar
                ax.text(xmax * 0.985, y, f"{v:.2f}", va="center", ha="right", fontsize=6, color="white")
            elif v:
                ax.text(v + xmax * 0.005, y, f"{v:.2f}", va="center", fontsize=6)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(workloads)))
    ax.set_yticklabels([f"{wl} ({r.unit[wl]})" for wl in workloads], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, xmax)
    ax.set_xlabel("performance relative to native (1.0 = native, higher is better)")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", linewidth=0.3)
    fig.tight_layout()
    fig.savefig(f"{r.outdir}/chart.png", dpi=90)
    return True


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    outdir, systems = argv[1], [s for s in argv[2].split(",") if s]
    r = Results(outdir, systems)
    write_reports(r)
    if "--chart" in argv:
        title = next((line for line in open(f"{outdir}/env.txt")), "").strip("# \n") if os.path.exists(
            f"{outdir}/env.txt") else ""
        write_chart(r, title)


if __name__ == "__main__":
    main(sys.argv)
