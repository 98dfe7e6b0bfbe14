# One of several processes changing the same small tree at random for SECONDS: creates, writes, appends, reads,
# renames (plain and exchange, across directories), hard and symbolic links, unlinks, directories, truncates,
# xattrs and listings on 3 directories of 10 names each. Prints "<operation> <OK|ERRNO> <count>" lines.
# Usage: stress.py BASE SECONDS SEED
import collections
import ctypes
import errno
import os
import random
import sys
import time

base, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
libc = ctypes.CDLL(None, use_errno=True)
counts = collections.Counter()
names = [os.path.join(base, 'd%d' % d, 'n%d' % n) for d in range(3) for n in range(10)]


def pick():
    return rng.choice(names)


def renameat2(a, b, flags):
    if libc.renameat2(-100, a.encode(), -100, b.encode(), ctypes.c_uint(flags)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def write(path, flags):
    fd = os.open(path, os.O_WRONLY | flags, 0o644)
    try:
        os.write(fd, rng.randbytes(rng.randrange(1, 20000)))
    finally:
        os.close(fd)


def read(path):
    with open(path, 'rb') as f:
        f.read()


OPS = [
    ('create', lambda: write(pick(), os.O_CREAT | os.O_TRUNC)),
    ('append', lambda: write(pick(), os.O_APPEND)),
    ('read', lambda: read(pick())),
    ('stat', lambda: os.lstat(pick())),
    ('rename', lambda: renameat2(pick(), pick(), 0)),
    ('exchange', lambda: renameat2(pick(), pick(), 2)),
    ('noreplace', lambda: renameat2(pick(), pick(), 1)),
    ('link', lambda: os.link(pick(), pick())),
    ('symlink', lambda: os.symlink('target', pick())),
    ('unlink', lambda: os.unlink(pick())),
    ('mkdir', lambda: os.mkdir(pick())),
    ('rmdir', lambda: os.rmdir(pick())),
    ('truncate', lambda: os.truncate(pick(), rng.randrange(0, 30000))),
    ('setxattr', lambda: os.setxattr(pick(), 'user.k', b'v', follow_symlinks=False)),
    ('listdir', lambda: os.listdir(os.path.join(base, 'd%d' % rng.randrange(3)))),
]

deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    name, op = rng.choice(OPS)
    try:
        op()
        counts[name + ' OK'] += 1
    except OSError as e:
        counts[name + ' ' + errno.errorcode.get(e.errno, str(e.errno))] += 1
for key in sorted(counts):
    print(key, counts[key])
