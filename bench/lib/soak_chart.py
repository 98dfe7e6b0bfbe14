#!/usr/bin/env python3
"""Renders bench/soak.sh's samples (soak.csv) as one self-contained SVG: operations per second per kind,
descriptors, heap used and RSS over time, one panel each. No plotting library needed."""
import csv
import sys

COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39"]
WIDTH, PANEL, LEFT, RIGHT, TOP, GAP = 900, 190, 70, 170, 50, 45


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return rows


def rates(rows, kinds):
    """Operations per second per kind between consecutive samples (the CSV holds running totals)."""
    out = {k: [] for k in kinds}
    for prev, row in zip(rows, rows[1:]):
        dt = float(row["seconds"]) - float(prev["seconds"])
        for k in kinds:
            out[k].append((float(row["seconds"]), (int(row[k]) - int(prev[k])) / dt if dt > 0 else 0))
    return out


def panel(index, title, series, unit):
    top = TOP + index * (PANEL + GAP)
    xs = [x for s in series.values() for x, _ in s] or [0, 1]
    ys = [y for s in series.values() for _, y in s] or [0, 1]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y1 = max(ys) * 1.1 if max(ys) > 0 else 1
    w = WIDTH - LEFT - RIGHT

    def px(x):
        return LEFT + (x - x0) / (x1 - x0) * w

    def py(y):
        return top + PANEL - y / y1 * PANEL

    parts = [f'<text x="{LEFT}" y="{top - 8}" font-weight="bold">{title} ({unit})</text>',
             f'<rect x="{LEFT}" y="{top}" width="{w}" height="{PANEL}" fill="none" stroke="#999"/>']
    for i in range(5):
        y = y1 * i / 4
        parts.append(f'<text x="{LEFT - 5}" y="{py(y) + 4:.1f}" text-anchor="end">{y:,.0f}</text>')
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + w}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#eee"/>')
    for i in range(6):
        x = x0 + (x1 - x0) * i / 5
        parts.append(f'<text x="{px(x):.1f}" y="{top + PANEL + 14}" text-anchor="middle">{x:.0f} s</text>')
    for n, (name, points) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.2"/>')
        parts.append(f'<text x="{LEFT + w + 10}" y="{top + 12 + n * 14}" fill="{colour}">{name}</text>')
    return parts


def main(csv_path, svg_path, title):
    rows = read(csv_path)
    fixed = {"seconds", "failures", "fds", "heap_used_kib", "rss_kib", "threads"}
    kinds = [k for k in rows[0].keys() if k not in fixed]
    def over_time(column, scale=1.0):
        return [(float(r["seconds"]), float(r[column]) * scale) for r in rows]
    panels = [("operations per second, by kind", rates(rows, kinds), "ops/s"),
              ("failed operations (running total)", {"failures": over_time("failures")}, "count"),
              ("open descriptors of the container", {"fds": over_time("fds")}, "count"),
              ("heap used", {"heap": over_time("heap_used_kib", 1 / 1024)}, "MiB"),
              ("resident set size", {"rss": over_time("rss_kib", 1 / 1024)}, "MiB")]
    height = TOP + len(panels) * (PANEL + GAP) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="100%" height="100%" fill="white"/>',
             f'<text x="{LEFT}" y="16" font-size="13">{title}</text>']
    for i, (name, series, unit) in enumerate(panels):
        parts += panel(i, name, series, unit)
    parts.append("</svg>")
    with open(svg_path, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "soak")
