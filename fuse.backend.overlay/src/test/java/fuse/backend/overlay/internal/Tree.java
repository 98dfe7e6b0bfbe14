package fuse.backend.overlay.internal;

import static fuse.posix.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import fuse.api.Attributes;
import fuse.api.DirectoryFiller;
import fuse.api.Entry;
import fuse.api.FileSystem;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.Node;
import fuse.api.Opened;
import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.testkit.TestCaller;

/**
 * A directory tree as comparable values: relative path to {@link Info}. Built from a host directory (a kernel
 * overlay mount, or a layer directory compared structurally) or from a {@link FileSystem} through the SPI.
 */
final class Tree {
    /**
     * One entry: {@code content} is a digest of a regular file's bytes or a symlink's target; directories have
     * size 0; whiteouts (in layer views) are type "whiteout" with nothing else.
     */
    record Info(String type, int permissions, int uid, int gid, long size, String content, long rdev,
            SortedMap<String, String> xattrs) {
        @Override
        public String toString() {
            return type + " " + Integer.toOctalString(permissions) + " " + uid + ":" + gid + " size " + size
                    + (content.isEmpty() ? "" : " " + content) + (rdev != 0 ? " rdev " + rdev : "")
                    + (xattrs.isEmpty() ? "" : " " + xattrs);
        }
    }

    private Tree() {
    }

    // -------------------------------------------------------------------------------------------------- host

    /** A merged view as a process sees it (a kernel overlay mount): every xattr as listed. */
    static SortedMap<String, Info> ofMount(String root) throws PosixException {
        SortedMap<String, Info> tree = new TreeMap<>();
        walkHost(root, "", tree, null);
        return tree;
    }

    /**
     * A layer directory, structurally: whiteouts as such, of the overlay's own xattrs ({@code prefix}) only the
     * opaque mark (origin, impure, uuid… are optional metadata that only the kernel writes).
     */
    static SortedMap<String, Info> ofLayer(String root, String prefix) throws PosixException {
        SortedMap<String, Info> tree = new TreeMap<>();
        walkHost(root, "", tree, prefix);
        return tree;
    }

    private static void walkHost(String root, String relative, SortedMap<String, Info> tree, String layerPrefix)
            throws PosixException {
        String dir = relative.isEmpty() ? root : root + "/" + relative;
        int fd = Posix.openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        List<String> names = new ArrayList<>();
        try {
            for (Dirs.RawEntry e : Dirs.list(fd)) {
                names.add(e.name());
            }
        } finally {
            Posix.closeQuietly(fd);
        }
        for (String name : names) {
            String path = relative.isEmpty() ? name : relative + "/" + name;
            String full = root + "/" + path;
            Attributes a = Posix.fstatat(AT_FDCWD, full, AT_SYMLINK_NOFOLLOW).attributes();
            if (layerPrefix != null && Resolver.isWhiteout(a)) {
                tree.put(path, new Info("whiteout", 0, 0, 0, 0, "", 0, new TreeMap<>()));
                continue;
            }
            String content = switch (a.type()) {
                case REGULAR -> digest(readHost(full));
                case SYMLINK -> Posix.readlinkat(AT_FDCWD, full);
                default -> "";
            };
            SortedMap<String, String> xattrs = new TreeMap<>();
            for (String x : XattrIo.names(full, false)) {
                byte[] value = XattrIo.get(full, x, false);
                if (layerPrefix != null && x.startsWith(layerPrefix) && !x.startsWith(layerPrefix + "overlay.")) {
                    if (x.equals(layerPrefix + "opaque") && value != null && value.length == 1 && value[0] == 'y') {
                        xattrs.put("overlay.opaque", "y");
                    }
                    continue;
                }
                xattrs.put(x, value == null ? "" : text(value));
            }
            tree.put(path, info(a, content, xattrs));
            if (a.isDirectory()) {
                walkHost(root, path, tree, layerPrefix);
            }
        }
    }

    static byte[] readHost(String path) throws PosixException {
        int fd = Posix.openat(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            long size = Posix.fstat(fd).attributes().size();
            MemorySegment buffer = arena.allocate(Math.max(1, size));
            long n = Posix.preadFully(fd, buffer, 0);
            return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } finally {
            Posix.closeQuietly(fd);
        }
    }

    // --------------------------------------------------------------------------------------------------- SPI

    /** The merged view through the SPI; every lookup it makes is forgotten again. */
    static SortedMap<String, Info> ofSpi(FileSystem fs) throws FuseException {
        SortedMap<String, Info> tree = new TreeMap<>();
        walkSpi(fs, fs.root(), "", tree);
        return tree;
    }

    record Listed(String name, long inode, FileType type, long next) {
    }

    static List<Listed> list(FileSystem fs, Node dir) throws FuseException {
        Handle handle = fs.opendir(TestCaller.root(), dir);
        List<Listed> all = new ArrayList<>();
        try {
            long offset = 0;
            while (true) {
                List<Listed> batch = new ArrayList<>();
                DirectoryFiller filler = (name, inode, type, next) -> {
                    if (batch.size() == 3) {
                        return false; // small batches: resuming from offsets is exercised too
                    }
                    batch.add(new Listed(name, inode, type, next));
                    return true;
                };
                fs.readdir(TestCaller.root(), dir, handle, offset, filler);
                if (batch.isEmpty()) {
                    return all;
                }
                all.addAll(batch);
                offset = batch.getLast().next();
            }
        } finally {
            fs.releasedir(handle);
        }
    }

    private static void walkSpi(FileSystem fs, Node dir, String relative, SortedMap<String, Info> tree)
            throws FuseException {
        for (Listed line : list(fs, dir)) {
            if (line.name().equals(".") || line.name().equals("..")) {
                continue;
            }
            String path = relative.isEmpty() ? line.name() : relative + "/" + line.name();
            Entry entry = fs.lookup(TestCaller.root(), dir, line.name());
            try {
                Attributes a = entry.attributes();
                String content = switch (a.type()) {
                    case REGULAR -> digest(readSpi(fs, entry.node()));
                    case SYMLINK -> fs.readlink(TestCaller.root(), entry.node());
                    default -> "";
                };
                tree.put(path, info(a, content, xattrsSpi(fs, entry.node())));
                if (a.isDirectory()) {
                    walkSpi(fs, entry.node(), path, tree);
                }
            } finally {
                fs.release(entry.node());
            }
        }
    }

    static byte[] readSpi(FileSystem fs, Node node) throws FuseException {
        Opened opened = fs.open(TestCaller.root(), node, O_RDONLY);
        try (Arena arena = Arena.ofConfined()) {
            long size = fs.getattr(TestCaller.root(), node, opened.handle()).size();
            MemorySegment buffer = arena.allocate(Math.max(1, size));
            int n = fs.read(TestCaller.root(), opened.handle(), 0, buffer);
            return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } finally {
            fs.release(opened.handle());
        }
    }

    static SortedMap<String, String> xattrsSpi(FileSystem fs, Node node) throws FuseException {
        SortedMap<String, String> xattrs = new TreeMap<>();
        try (Arena arena = Arena.ofConfined()) {
            int size = fs.listxattr(TestCaller.root(), node, MemorySegment.NULL);
            if (size == 0) {
                return xattrs;
            }
            MemorySegment list = arena.allocate(size);
            fs.listxattr(TestCaller.root(), node, list);
            String all = new String(list.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            for (String name : all.split("\0")) {
                if (name.isEmpty()) {
                    continue;
                }
                MemorySegment value = arena.allocate(XATTR_SIZE_MAX);
                int n = fs.getxattr(TestCaller.root(), node, name, value);
                xattrs.put(name, text(value.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return xattrs;
    }

    // ------------------------------------------------------------------------------------------------ common

    private static Info info(Attributes a, String content, SortedMap<String, String> xattrs) {
        String type = switch (a.type()) {
            case DIRECTORY -> "dir";
            case REGULAR -> "file";
            case SYMLINK -> "symlink";
            case FIFO -> "fifo";
            case CHARACTER_DEVICE -> "chr";
            case BLOCK_DEVICE -> "blk";
            case SOCKET -> "sock";
        };
        long size = a.isDirectory() ? 0 : a.size();
        return new Info(type, a.permissions(), a.uid(), a.gid(), size, content, a.rdev(), xattrs);
    }

    static String digest(byte[] data) {
        if (data.length <= 16) {
            return "'" + new String(data, StandardCharsets.ISO_8859_1) + "'";
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(data);
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.ISO_8859_1);
    }

    /** A readable difference of two trees, or "" when they are equal. */
    static String diff(Map<String, Info> expected, Map<String, Info> actual) {
        StringBuilder out = new StringBuilder();
        TreeMap<String, Boolean> paths = new TreeMap<>();
        expected.keySet().forEach(p -> paths.put(p, true));
        actual.keySet().forEach(p -> paths.put(p, true));
        for (String path : paths.keySet()) {
            Info e = expected.get(path);
            Info a = actual.get(path);
            if (e == null || !e.equals(a)) {
                out.append("  ").append(path).append(":\n    expected ").append(e).append("\n    actual   ").append(a)
                        .append('\n');
            }
        }
        return out.toString();
    }
}
