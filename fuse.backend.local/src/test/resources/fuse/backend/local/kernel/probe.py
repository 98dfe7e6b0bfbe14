# Runs file operations under a base directory and prints, per operation, "<operation> -> OK [result]" or
# "<operation> -> <ERRNO>". Used to compare a mount with the host's own file system, as any user.
# Usage: probe.py BASE UMASK OPERATION...   (an operation is words separated by spaces: "chmod f 0644")
import ctypes
import errno
import os
import stat
import sys

base = sys.argv[1]
os.umask(int(sys.argv[2], 8))
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100


def p(name):
    return os.path.join(base, name)


def renameat2(a, b, flags):
    if libc.renameat2(AT_FDCWD, p(a).encode(), AT_FDCWD, p(b).encode(), ctypes.c_uint(flags)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def read(name):
    with open(p(name), 'rb') as f:
        return f.read().decode()


def write(name, text, flags=0):
    fd = os.open(p(name), os.O_WRONLY | flags)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def create(name, mode):
    os.close(os.open(p(name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, int(mode, 8)))


def mode(name):
    return oct(os.lstat(p(name)).st_mode)


def owner(name):
    st = os.lstat(p(name))
    return '%d:%d' % (st.st_uid, st.st_gid)


OPS = {
    'read': read,
    'write': write,
    'append': lambda name, text: write(name, text, os.O_APPEND),
    'truncate-open': lambda name: os.close(os.open(p(name), os.O_WRONLY | os.O_TRUNC)),
    'create': create,
    'open-creat': lambda name, m: os.close(os.open(p(name), os.O_CREAT | os.O_WRONLY, int(m, 8))),
    'mkdir': lambda name, m: os.mkdir(p(name), int(m, 8)),
    'mkfifo': lambda name, m: os.mkfifo(p(name), int(m, 8)),
    'mknod-chr': lambda name: os.mknod(p(name), 0o600 | stat.S_IFCHR, os.makedev(1, 3)),
    'symlink': lambda target, name: os.symlink(target, p(name)),
    'readlink': lambda name: os.readlink(p(name)),
    'link': lambda a, b: os.link(p(a), p(b), follow_symlinks=False),
    'unlink': lambda name: os.unlink(p(name)),
    'rmdir': lambda name: os.rmdir(p(name)),
    'rename': lambda a, b: renameat2(a, b, 0),
    'rename-noreplace': lambda a, b: renameat2(a, b, 1),
    'rename-exchange': lambda a, b: renameat2(a, b, 2),
    'chmod': lambda name, m: os.chmod(p(name), int(m, 8)),
    'chown': lambda name, u, g: os.chown(p(name), int(u), int(g)),
    'lchown': lambda name, u, g: os.lchown(p(name), int(u), int(g)),
    'utime-now': lambda name: os.utime(p(name)),
    'utime': lambda name, s: os.utime(p(name), (int(s), int(s))),
    'truncate': lambda name, n: os.truncate(p(name), int(n)),
    'setxattr': lambda name, key, value: os.setxattr(p(name), key, value.encode(), follow_symlinks=False),
    'getxattr': lambda name, key: os.getxattr(p(name), key, follow_symlinks=False).decode(),
    'listxattr': lambda name: ','.join(sorted(os.listxattr(p(name), follow_symlinks=False))),
    'removexattr': lambda name, key: os.removexattr(p(name), key, follow_symlinks=False),
    'listdir': lambda name: ','.join(sorted(os.listdir(p(name)))),
    'mode': mode,
    'owner': owner,
    'size': lambda name: os.lstat(p(name)).st_size,
    'access': lambda name, m: os.access(p(name), {'f': os.F_OK, 'r': os.R_OK, 'w': os.W_OK, 'x': os.X_OK}[m]),
}

for spec in sys.argv[3:]:
    name, *args = spec.split(' ')
    try:
        result = OPS[name](*args)
        print(spec + ' -> OK' + ('' if result is None else ' ' + str(result)))
    except OSError as e:
        print(spec + ' -> ' + errno.errorcode.get(e.errno, str(e.errno)))
    sys.stdout.flush()
