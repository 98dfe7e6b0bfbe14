#!/usr/bin/env python3
"""Small timed workloads and /proc probes for bench/run.sh.

Every timed command prints one number (seconds) on stdout and nothing else, so the
shell can record it; errors go to stderr with a non-zero exit.
"""
import os
import random
import re
import sys
import time


def _clock():
    return time.perf_counter()


def mkfiles(d, n, size):
    """O_CREAT|O_EXCL, write SIZE bytes, close: the small-file create path of a build or an unpack."""
    n, size = int(n), int(size)
    buf = b"x" * size
    os.makedirs(d, exist_ok=True)
    start = _clock()
    for i in range(n):
        fd = os.open(f"{d}/f{i:06d}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        if size:
            os.write(fd, buf)
        os.close(fd)
    print(f"{_clock() - start:.6f}")


def statfiles(d, n):
    n = int(n)
    start = _clock()
    for i in range(n):
        os.stat(f"{d}/f{i:06d}")
    print(f"{_clock() - start:.6f}")


def rmfiles(d, n):
    n = int(n)
    start = _clock()
    for i in range(n):
        os.unlink(f"{d}/f{i:06d}")
    os.rmdir(d)
    print(f"{_clock() - start:.6f}")


def readdir(d, expected):
    """getdents over the whole directory; the entry count is checked so a short listing cannot pass as fast."""
    expected = int(expected)
    start = _clock()
    with os.scandir(d) as it:
        count = sum(1 for _ in it)
    took = _clock() - start
    if count != expected:
        sys.exit(f"readdir {d}: {count} entries, expected {expected}")
    print(f"{took:.6f}")


def mktree(d, n):
    """Deterministic source-like tree: 10 x 25 x 4 directories, mostly small files, a few up to 64 KiB."""
    n = int(n)
    rnd = random.Random(42)
    for i in range(n):
        sub = f"{d}/dir{i % 10}/sub{(i // 10) % 25}/leaf{(i // 250) % 4}"
        os.makedirs(sub, exist_ok=True)
        p = rnd.random()
        size = rnd.randint(100, 4096) if p < .6 else rnd.randint(4096, 32768) if p < .9 else rnd.randint(32768, 65536)
        with open(f"{sub}/file{i}.c", "wb") as f:
            f.write(rnd.randbytes(size))


def cpu(*pids):
    """utime+stime of whole thread groups, in seconds."""
    total, hz = 0, os.sysconf("SC_CLK_TCK")
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    print(f"{total / hz:.2f}")


def _status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(val.split()[0])
    return out


def rss(pid):
    """VmRSS and VmHWM in KiB, tab separated."""
    try:
        s = _status(pid)
        print(f"{s.get('VmRSS', 0)}\t{s.get('VmHWM', 0)}")
    except OSError:
        print("-\t-")


HEAP_RE = re.compile(r"(?:total|committed)\s+(\d+)K,\s+used\s+(\d+)K")


def heapinfo(path):
    """Committed and used heap in KiB from `jcmd PID GC.heap_info` output (G1, Serial, Parallel, ZGC formats).
    Serial and Parallel list the young and the old generation separately: the heap is their sum."""
    with open(path) as f:
        text = f.read()
    gens = HEAP_RE.findall(text)
    if gens:
        print(f"{sum(int(c) for c, _ in gens)}\t{sum(int(u) for _, u in gens)}")
        return
    m = re.search(r"used\s+(\d+)M,\s+capacity\s+(\d+)M", text)  # ZGC
    if m:
        print(f"{int(m.group(2)) * 1024}\t{int(m.group(1)) * 1024}")
        return
    print("-\t-")


COMMANDS = {f.__name__: f for f in (mkfiles, statfiles, rmfiles, readdir, mktree, cpu, rss, heapinfo)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: helper.py {{{','.join(COMMANDS)}}} ARGS...")
    COMMANDS[sys.argv[1]](*sys.argv[2:])
