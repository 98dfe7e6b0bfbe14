package fuse.itest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import fuse.api.Attributes;
import fuse.api.Caller;
import fuse.api.DirectoryFiller;
import fuse.api.Entry;
import fuse.api.Errno;
import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Handle;
import fuse.api.MountContext;
import fuse.api.Node;
import fuse.api.Opened;

/** A read-only backend with fixed files in its root, registered by the tests themselves. */
final class StaticBackend implements FileSystemBackend {
    private final Map<String, byte[]> files = new TreeMap<>();

    StaticBackend(Map<String, String> contents) {
        contents.forEach((name, text) -> files.put(name, text.getBytes(StandardCharsets.UTF_8)));
    }

    private record FileNode(String name) implements Node, Handle {
    }

    @Override
    public FileSystem open(MountContext mount) {
        return new FileSystem() {
            private final FileNode root = new FileNode("");

            @Override
            public Node root() {
                return root;
            }

            @Override
            public Entry lookup(Caller caller, Node parent, String name) throws FuseException {
                if (parent != root || !files.containsKey(name)) {
                    throw new FuseException(Errno.ENOENT);
                }
                FileNode node = new FileNode(name);
                return new Entry(node, getattr(caller, node, null));
            }

            @Override
            public Attributes getattr(Caller caller, Node node, Handle handle) {
                FileNode file = (FileNode) node;
                if (file == root || file.name().isEmpty()) {
                    return Attributes.builder(1, 040755).linkCount(2).blockSize(4096).build();
                }
                long size = files.get(file.name()).length;
                return Attributes.builder(2 + file.name().hashCode() & 0xffff, 0100444).size(size).blocks(1)
                        .linkCount(1).blockSize(4096).build();
            }

            @Override
            public Opened open(Caller caller, Node node, int flags) {
                return Opened.served((FileNode) node);
            }

            @Override
            public int read(Caller caller, Handle handle, long offset, MemorySegment buffer) {
                byte[] data = files.get(((FileNode) handle).name());
                int count = (int) Math.max(0, Math.min(buffer.byteSize(), data.length - offset));
                MemorySegment.copy(data, (int) offset, buffer, ValueLayout.JAVA_BYTE, 0, count);
                return count;
            }

            @Override
            public Handle opendir(Caller caller, Node node) {
                return (FileNode) node;
            }

            @Override
            public void readdir(Caller caller, Node node, Handle handle, long offset, DirectoryFiller filler) {
                int i = 0;
                for (String name : files.keySet()) {
                    i++;
                    if (i > offset && !filler.add(name, 2 + i, FileType.REGULAR, i)) {
                        return;
                    }
                }
            }
        };
    }
}
