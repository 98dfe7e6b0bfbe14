# Phases of work on one large directory, each timed: prints "<phase> <seconds>" last.
#   bigdir.py create DIR N   creates DIR and N empty files in it (open O_CREAT|O_EXCL, close)
#   bigdir.py ls DIR         lists DIR as `ls -l` does (getdents, then lstat of every entry), printing
#                            "<name> <inode> <d_type is directory> <link count>" per entry
#   bigdir.py scan DIR       lstat each entry as getdents yields it, as find -ls or os.walk do; prints the count
#   bigdir.py remove DIR     unlinks every entry and removes DIR
import os
import sys
import time

phase, directory = sys.argv[1], sys.argv[2]
start = time.monotonic()
if phase == 'create':
    os.mkdir(directory)
    for i in range(int(sys.argv[3])):
        os.close(os.open(os.path.join(directory, 'entry-%05d' % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
elif phase == 'ls':
    entries = [(e.name, e.inode(), e.is_dir(follow_symlinks=False)) for e in os.scandir(directory)]
    lines = []
    for name, inode, is_dir in entries:
        st = os.lstat(os.path.join(directory, name))
        if st.st_ino != inode:
            raise SystemExit('inode of %s: %d from getdents, %d from lstat' % (name, inode, st.st_ino))
        lines.append('%s %d %s %d' % (name, inode, is_dir, st.st_nlink))
    sys.stdout.write('\n'.join(lines) + '\n')
elif phase == 'scan':
    count = 0
    for entry in os.scandir(directory):
        if os.lstat(entry.path).st_ino != entry.inode():
            raise SystemExit('inode of %s differs' % entry.name)
        count += 1
    print(count)
elif phase == 'remove':
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    os.rmdir(directory)
else:
    raise SystemExit('unknown phase ' + phase)
print('%s %.3f' % (phase, time.monotonic() - start))
