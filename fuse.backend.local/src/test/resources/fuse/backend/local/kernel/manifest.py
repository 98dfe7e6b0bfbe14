# Prints one line per entry below ROOT (sorted): path, type, permission bits, owner, size (not for
# directories), mtime in ns (not with --no-times), link count, then the symlink target or the sha256 of the
# content; with --inodes also the inode number. Used to compare trees entry by entry and byte by byte.
# Usage: manifest.py ROOT [--inodes] [--no-times]
import hashlib
import os
import stat
import sys

root = sys.argv[1]
inodes = '--inodes' in sys.argv[2:]
times = '--no-times' not in sys.argv[2:]
lines = []
for directory, dirs, files in os.walk(root):
    for name in dirs + files:
        path = os.path.join(directory, name)
        st = os.lstat(path)
        kind = stat.S_IFMT(st.st_mode)
        if stat.S_ISREG(kind):
            digest = hashlib.sha256()
            with open(path, 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 20), b''):
                    digest.update(chunk)
            what = digest.hexdigest()
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
        lines.append(' '.join(fields))
lines.sort()
sys.stdout.write('\n'.join(lines) + '\n')
