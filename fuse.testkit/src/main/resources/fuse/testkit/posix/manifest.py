# Prints one line per entry below ROOT (sorted): path, type, permission bits, owner, size (not for
# directories), mtime in ns (not with --no-times), link count, then the symlink target or the sha256 of the
# content (of its data regions, so sparse files are cheap); with --inodes also the inode number. Used to
# compare trees entry by entry and byte by byte.
# With --acls also the access and default ACL (raw xattr values in hex, "-" where there is none).
# Usage: manifest.py ROOT [--inodes] [--no-times] [--acls]
import hashlib
import os
import stat
import sys



def sparse_sha256(path):
    """The sha256 of the data regions and their offsets (SEEK_DATA/SEEK_HOLE): holes, which read as zeros, are
    not read, so a sparse file of several GiB costs only its data."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:
                break  # ENXIO: only a hole is left
            end = os.lseek(fd, start, os.SEEK_HOLE)
            digest.update(b'@%d:' % start)
            position = start
            while position < end:
                chunk = os.pread(fd, min(1 << 20, end - position), position)
                if not chunk:
                    break
                digest.update(chunk)
                position += len(chunk)
            offset = end
    finally:
        os.close(fd)
    return digest.hexdigest()


root = sys.argv[1]
sys.stdout.reconfigure(errors='backslashreplace')  # names that are not UTF-8 print as \udcXX escapes
inodes = '--inodes' in sys.argv[2:]
times = '--no-times' not in sys.argv[2:]
acls = '--acls' in sys.argv[2:]


def acl_hex(path, name):
    try:
        return os.getxattr(path, name, follow_symlinks=False).hex()
    except OSError:
        return '-'


lines = []
for directory, dirs, files in os.walk(root):
    for name in dirs + files:
        path = os.path.join(directory, name)
        st = os.lstat(path)
        kind = stat.S_IFMT(st.st_mode)
        if stat.S_ISREG(kind):
            what = sparse_sha256(path)
        elif stat.S_ISLNK(kind):
            what = '-> ' + os.readlink(path)
        else:
            what = '-'
        size = '-' if stat.S_ISDIR(kind) else str(st.st_size)
        fields = [os.path.relpath(path, root), oct(kind), oct(stat.S_IMODE(st.st_mode)),
                  '%d:%d' % (st.st_uid, st.st_gid), size, str(st.st_mtime_ns) if times else '-',
                  'n%d' % st.st_nlink, what]
        if inodes:
            fields.append('i%d' % st.st_ino)
        if acls and not stat.S_ISLNK(kind):
            fields.append('acl=' + acl_hex(path, 'system.posix_acl_access'))
            fields.append('default=' + acl_hex(path, 'system.posix_acl_default'))
        lines.append(' '.join(fields))
lines.sort()
sys.stdout.write('\n'.join(lines) + '\n')
