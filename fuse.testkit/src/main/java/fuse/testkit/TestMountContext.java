package fuse.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import fuse.api.MountContext;
import fuse.api.Node;

/**
 * A {@link MountContext} for opening a backend's file system without a mount: the mountpoint and configuration
 * given, and the invalidations the backend asks for recorded in {@link #invalidations()} (as
 * {@code "attributes <node>"}, {@code "data <node>"} and {@code "entry <parent>/<name>"}, {@code "all"}).
 */
public record TestMountContext(Path mountpoint, Map<String, Object> configuration, List<String> invalidations)
        implements MountContext {

    public TestMountContext(Path mountpoint, Map<String, Object> configuration) {
        this(mountpoint, configuration, new CopyOnWriteArrayList<>());
    }

    /** A context whose mountpoint is {@code /mnt/test}: for backends that only read their configuration. */
    public static TestMountContext of(Map<String, Object> configuration) {
        return new TestMountContext(Path.of("/mnt/test"), configuration);
    }

    @Override
    public void invalidateAttributes(Node node, boolean data) {
        invalidations.add((data ? "data " : "attributes ") + node);
    }

    @Override
    public void invalidateEntry(Node parent, String name) {
        invalidations.add("entry " + parent + "/" + name);
    }

    @Override
    public void invalidateAll() {
        invalidations.add("all");
    }
}
