# Runs file operations under a base directory and prints, per operation, "<operation> -> OK [result]" or
# "<operation> -> <ERRNO>". Used to compare a mount with the host's own file system, as any user.
# Usage: probe.py BASE UMASK OPERATION...   (an operation is words separated by spaces: "chmod f 0644")
import ctypes
import errno
import os
import stat
import sys

base = sys.argv[1]
sys.stdout.reconfigure(errors='backslashreplace')
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


def write_at(name, offset, text):
    fd = os.open(p(name), os.O_WRONLY)
    try:
        return os.pwrite(fd, text.encode(), int(offset))
    finally:
        os.close(fd)


def read_at(name, offset, length):
    fd = os.open(p(name), os.O_RDONLY)
    try:
        return os.pread(fd, int(length), int(offset)).replace(b'\0', b'.').decode()
    finally:
        os.close(fd)


def with_fd(name, flags, action):
    fd = os.open(p(name), flags)
    try:
        return action(fd)
    finally:
        os.close(fd)


FALLOC_FL_KEEP_SIZE = 1
FALLOC_FL_PUNCH_HOLE = 2


def fallocate(name, mode, offset, length):
    def call(fd):
        if libc.fallocate(fd, int(mode), ctypes.c_long(int(offset)), ctypes.c_long(int(length))) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    with_fd(name, os.O_RDWR, call)


def copy_range(src, dst, offset_in, offset_out, length):
    fin = os.open(p(src), os.O_RDONLY)
    try:
        fout = os.open(p(dst), os.O_WRONLY)
        try:
            return os.copy_file_range(fin, fout, int(length), int(offset_in), int(offset_out))
        finally:
            os.close(fout)
    finally:
        os.close(fin)


def direct_io(name, size):
    # O_DIRECT needs aligned buffers: anonymous mmap memory is page aligned.
    import hashlib
    import mmap
    size = int(size)
    out = mmap.mmap(-1, size)
    out.write(bytes((i * 7) % 251 for i in range(size)))
    fd = os.open(p(name), os.O_CREAT | os.O_RDWR | os.O_DIRECT, 0o644)
    try:
        written = os.pwritev(fd, [out], 0)
        back = mmap.mmap(-1, size)
        read = os.preadv(fd, [back], 0)
        same = back[:] == out[:]
    finally:
        os.close(fd)
    return '%d %d %s %s' % (written, read, same, hashlib.sha256(out[:]).hexdigest()[:16])


def fifo_roundtrip(name):
    reader = os.open(p(name), os.O_RDONLY | os.O_NONBLOCK)
    try:
        writer = os.open(p(name), os.O_WRONLY)
        try:
            os.write(writer, b'through the fifo')
        finally:
            os.close(writer)
        return os.read(reader, 100).decode()
    finally:
        os.close(reader)


def socket_roundtrip(name):
    import socket
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(p(name))
        server.listen(1)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(p(name))
            peer, _ = server.accept()
            client.sendall(b'through the socket')
            data = peer.recv(100).decode()
            peer.close()
        finally:
            client.close()
        return data + ' ' + mode(name)
    finally:
        server.close()


def hexname(name_hex):
    return os.path.join(base.encode(), bytes.fromhex(name_hex))


def hexname_list():
    return ','.join(sorted(name.hex() for name in os.listdir(base.encode())))


def unlinked_while_open(name):
    fd = os.open(p(name), os.O_CREAT | os.O_RDWR, 0o644)
    try:
        os.unlink(p(name))
        os.pwrite(fd, b'still here', 0)
        st = os.fstat(fd)
        return '%s nlink=%d size=%d' % (os.pread(fd, 100, 0).decode(), st.st_nlink, st.st_size)
    finally:
        os.close(fd)


def replaced_while_open(name, other):
    fd = os.open(p(name), os.O_RDONLY)
    try:
        os.rename(p(other), p(name))
        return os.pread(fd, 100, 0).decode() + ' / ' + read(name)
    finally:
        os.close(fd)


def mmap_write(name, offset, text):
    import mmap
    fd = os.open(p(name), os.O_RDWR)
    try:
        size = os.fstat(fd).st_size
        with mmap.mmap(fd, size) as m:
            m[int(offset):int(offset) + len(text)] = text.encode()
            m.flush()
    finally:
        os.close(fd)
    return read(name)


def statvfs(name):
    st = os.statvfs(p(name))
    return '%d %d %d %d' % (st.f_bsize, st.f_blocks, st.f_files, st.f_namemax)


# POSIX ACLs through their xattrs (no setfacl needed): a short text form "u::rw-,u:65534:---,g::r--,m::r--,o::r--"
# encoded as the kernel's posix_acl_xattr format (version 2, then tag u16, perm u16, id u32 per entry, sorted).
ACL_TAGS = {'u': (1, 2), 'g': (4, 8), 'm': (0x10, 0x10), 'o': (0x20, 0x20)}
ACL_NAMES = {1: 'u', 2: 'u', 4: 'g', 8: 'g', 0x10: 'm', 0x20: 'o'}
ACL_ACCESS = 'system.posix_acl_access'
ACL_DEFAULT = 'system.posix_acl_default'


def acl_encode(text):
    import struct
    entries = []
    for part in text.split(','):
        kind, who, perms = part.split(':')
        tag = ACL_TAGS[kind][1 if who else 0]
        bits = sum(b for c, b in zip(perms, (4, 2, 1)) if c != '-')
        entries.append((tag, int(who) if who else 0xFFFFFFFF, bits))
    entries.sort()
    return struct.pack('<I', 2) + b''.join(struct.pack('<HHI', tag, bits, ident) for tag, ident, bits in entries)


def acl_decode(value):
    import struct
    out = []
    for at in range(4, len(value), 8):
        tag, bits, ident = struct.unpack_from('<HHI', value, at)
        who = '' if tag in (1, 4, 0x10, 0x20) else str(ident)
        out.append('%s:%s:%s' % (ACL_NAMES[tag], who, ''.join(c if bits & b else '-' for c, b in zip('rwx', (4, 2, 1)))))
    return ','.join(out)


def acl_get(path, name):
    try:
        return acl_decode(os.getxattr(path, name, follow_symlinks=False))
    except OSError as e:
        if e.errno == errno.ENODATA:
            return 'none'
        raise


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
    'write-at': write_at,
    'read-at': read_at,
    'open-excl': lambda name, m: os.close(os.open(p(name), os.O_CREAT | os.O_EXCL | os.O_RDWR, int(m, 8))),
    'open-trunc': lambda name: os.close(os.open(p(name), os.O_RDWR | os.O_TRUNC)),
    'open-dir-write': lambda name: os.close(os.open(p(name), os.O_WRONLY)),
    'open-nofollow': lambda name: os.close(os.open(p(name), os.O_RDONLY | os.O_NOFOLLOW)),
    'opendir': lambda name: os.close(os.open(p(name), os.O_RDONLY | os.O_DIRECTORY)),
    'rename-whiteout': lambda a, b: renameat2(a, b, 4),
    'fallocate': fallocate,
    'copy-range': copy_range,
    'seek-data': lambda name, offset: with_fd(name, os.O_RDONLY, lambda fd: os.lseek(fd, int(offset), os.SEEK_DATA)),
    'seek-hole': lambda name, offset: with_fd(name, os.O_RDONLY, lambda fd: os.lseek(fd, int(offset), os.SEEK_HOLE)),
    'seek-end': lambda name: with_fd(name, os.O_RDONLY, lambda fd: os.lseek(fd, 0, os.SEEK_END)),
    'fsync': lambda name: with_fd(name, os.O_RDWR, os.fsync),
    'fdatasync': lambda name: with_fd(name, os.O_RDWR, os.fdatasync),
    'fsync-dir': lambda name: with_fd(name, os.O_RDONLY | os.O_DIRECTORY, os.fsync),
    'blocks': lambda name: os.lstat(p(name)).st_blocks,
    'nlink': lambda name: os.lstat(p(name)).st_nlink,
    'rdev': lambda name: '%d,%d' % (os.major(os.lstat(p(name)).st_rdev), os.minor(os.lstat(p(name)).st_rdev)),
    'mknod-blk': lambda name, major, minor: os.mknod(p(name), 0o600 | stat.S_IFBLK, os.makedev(int(major), int(minor))),
    'mknod-sock': lambda name: os.mknod(p(name), 0o600 | stat.S_IFSOCK),
    'mknod-reg': lambda name: os.mknod(p(name), 0o640 | stat.S_IFREG),
    'direct-io': direct_io,
    'fifo-roundtrip': fifo_roundtrip,
    'socket-roundtrip': socket_roundtrip,
    'statvfs': statvfs,
    'ftruncate': lambda name, n: with_fd(name, os.O_RDWR, lambda fd: os.ftruncate(fd, int(n))),
    'ftruncate-readonly': lambda name, n: with_fd(name, os.O_RDONLY, lambda fd: os.ftruncate(fd, int(n))),
    'fchmod': lambda name, m: with_fd(name, os.O_RDONLY, lambda fd: os.fchmod(fd, int(m, 8))),
    'fchown': lambda name, u, g: with_fd(name, os.O_RDONLY, lambda fd: os.fchown(fd, int(u), int(g))),
    'futime': lambda name, s: with_fd(name, os.O_RDONLY, lambda fd: os.utime(fd, (int(s), int(s)))),
    'fstat-size': lambda name: with_fd(name, os.O_RDONLY, lambda fd: os.fstat(fd).st_size),
    'unlinked-while-open': unlinked_while_open,
    'replaced-while-open': replaced_while_open,
    'mmap-write': mmap_write,
    # Names given as hex: any bytes, not only UTF-8.
    'hexname-create': lambda h: os.close(os.open(hexname(h), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)),
    'hexname-mkdir': lambda h: os.mkdir(hexname(h)),
    'hexname-stat': lambda h: oct(os.lstat(hexname(h)).st_mode),
    'hexname-symlink': lambda target, h: os.symlink(bytes.fromhex(target), hexname(h)),
    'hexname-readlink': lambda h: os.readlink(hexname(h)).hex(),
    'hexname-rename': lambda a, b: os.rename(hexname(a), hexname(b)),
    'hexname-unlink': lambda h: os.unlink(hexname(h)),
    'hexname-list': hexname_list,
    'setacl': lambda name, text: os.setxattr(p(name), ACL_ACCESS, acl_encode(text), follow_symlinks=False),
    'setdefacl': lambda name, text: os.setxattr(p(name), ACL_DEFAULT, acl_encode(text), follow_symlinks=False),
    'getacl': lambda name: acl_get(p(name), ACL_ACCESS),
    'getdefacl': lambda name: acl_get(p(name), ACL_DEFAULT),
    'rmacl': lambda name: os.removexattr(p(name), ACL_ACCESS, follow_symlinks=False),
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
