package fuse.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import fuse.api.FuseException;
import fuse.posix.Posix;

/**
 * For confinement tests of a backend that serves a host directory: the directory to serve ({@link #root}) beside
 * another one ({@link #outside}: a file {@code secret} with an extended attribute, and a directory {@code dir})
 * under one parent, and the proof that nothing outside the root changed since ({@link #assertUnchanged}): every
 * entry under the parent but the root's subtree, with its mode, owner, size, links, times, xattrs and contents.
 */
public final class OutsideTheRoot {
    /** The directory to serve, empty. */
    public final Path root;
    /** Next to the root: what an escape would reach. */
    public final Path outside;
    private final Path parent;
    private final Map<String, String> before;

    private OutsideTheRoot(Path parent, Path root, Path outside) throws IOException {
        this.parent = parent;
        this.root = root;
        this.outside = outside;
        this.before = snapshot();
    }

    /** Makes {@code root} and {@code outside} in {@code parent} (an empty directory) and notes their state. */
    public static OutsideTheRoot in(Path parent) throws IOException, FuseException {
        Path root = Files.createDirectory(parent.resolve("root"));
        Path outside = Files.createDirectory(parent.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.createDirectory(outside.resolve("dir"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tag = arena.allocateFrom("outside").asSlice(0, "outside".length());
            Posix.setxattr(outside.resolve("secret").toString(), "user.tag", tag, 0);
        }
        return new OutsideTheRoot(parent, root, outside);
    }

    /** Fails naming what changed outside the root (the parent itself included) since {@link #in}. */
    public void assertUnchanged() throws IOException {
        Map<String, String> after = snapshot();
        List<String> changes = new ArrayList<>();
        before.forEach((path, state) -> {
            if (!state.equals(after.get(path))) {
                changes.add(path + ": " + state + " -> " + after.get(path));
            }
        });
        after.keySet().stream().filter(path -> !before.containsKey(path)).forEach(path -> changes.add("new " + path));
        assertTrue(changes.isEmpty(), () -> changes.size() + " changes outside the root, e.g. "
                + changes.subList(0, Math.min(5, changes.size())));
    }

    private Map<String, String> snapshot() throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(parent)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (!p.startsWith(root)) {
                    state.put(parent.relativize(p).toString(), describe(p));
                }
            }
        }
        return state;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,nlink,lastModifiedTime,ctime",
                LinkOption.NOFOLLOW_LINKS);
        String xattrs;
        try {
            xattrs = String.valueOf(Posix.llistxattr(p.toString(), MemorySegment.NULL));
        } catch (FuseException e) {
            xattrs = e.errno().name();
        }
        String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                ? HexFormat.of().formatHex(Files.readAllBytes(p)) : "";
        return a.get("mode") + " " + a.get("uid") + ":" + a.get("gid") + " " + a.get("size") + " n" + a.get("nlink")
                + " m" + a.get("lastModifiedTime") + " c" + a.get("ctime") + " x" + xattrs + " " + content;
    }
}
