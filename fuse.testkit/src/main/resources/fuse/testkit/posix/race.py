# Works for SECONDS in MOUNT/d while something swaps "d" for symlinks to the outside: opens "d" without following
# a symlink, keeps directory descriptors across swaps and creates, renames, links, writes and sets xattrs relative
# to them, as a program holding a directory open would. Prints "<operation> <OK|ERRNO> <count>" lines.
# Usage: race.py MOUNT SECONDS
import collections
import errno
import os
import sys
import time

mount, seconds = sys.argv[1], float(sys.argv[2])
counts = collections.Counter()
held = []


def write_secret(fd):
    f = os.open('secret', os.O_WRONLY | os.O_NOFOLLOW | os.O_TRUNC, dir_fd=fd)
    try:
        os.write(f, b'changed')
    finally:
        os.close(f)


def attempt(name, call):
    try:
        call()
        counts[name + ' OK'] += 1
    except OSError as e:
        counts[name + ' ' + errno.errorcode.get(e.errno, str(e.errno))] += 1


deadline = time.monotonic() + seconds
i = 0
while time.monotonic() < deadline:
    i += 1
    try:
        held.append(os.open(os.path.join(mount, 'd'), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW))
        counts['open-d OK'] += 1
        if len(held) > 32:
            os.close(held.pop(0))
    except OSError as e:
        counts['open-d ' + errno.errorcode.get(e.errno, str(e.errno))] += 1
    if not held:
        continue
    t = held[i % len(held)]
    attempt('create', lambda: os.close(
        os.open('file-%d' % i, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o644, dir_fd=t)))
    attempt('mkdir', lambda: os.mkdir('dir-%d' % i, dir_fd=t))
    attempt('symlink', lambda: os.symlink('x', 'sym-%d' % i, dir_fd=t))
    attempt('mkfifo', lambda: os.mkfifo('fifo-%d' % i, dir_fd=t))
    attempt('write-secret', lambda: write_secret(t))
    attempt('setxattr-secret', lambda: os.setxattr('/proc/self/fd/%d/secret' % t, 'user.changed', b'1',
                                                   follow_symlinks=False))
    attempt('link-secret', lambda: os.link('secret', 'hard-%d' % i, src_dir_fd=t, dst_dir_fd=t,
                                           follow_symlinks=False))
    attempt('rename-secret', lambda: os.rename('secret', 'stolen-%d' % i, src_dir_fd=t, dst_dir_fd=t))
    attempt('unlink-secret', lambda: os.unlink('secret', dir_fd=t))
    attempt('mkdir-in-dir', lambda: os.mkdir('dir/new-%d' % i, dir_fd=t))
for fd in held:
    os.close(fd)
for key in sorted(counts):
    print(key, counts[key])
