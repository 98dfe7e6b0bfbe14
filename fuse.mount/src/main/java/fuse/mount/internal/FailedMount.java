package fuse.mount.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import fuse.channel.InitResult;
import fuse.mount.FuseMount;
import fuse.mount.MountException;
import fuse.mount.MountState;
import fuse.mount.MountStatistics;
import fuse.passthrough.BackingIdInfo;
import fuse.passthrough.PassthroughStatistics;

/** The service's view of a configuration that could not even be read: FAILED, with the reason. */
record FailedMount(String name, Path mountpoint, String backendTarget, String message) implements FuseMount {
    /** What a configuration without a usable mountpoint shows as its mountpoint, everywhere one is printed. */
    static final Path NO_MOUNTPOINT = Path.of("-");

    /** The configured mountpoint as given, or {@link #NO_MOUNTPOINT} when it is missing or no path at all. */
    static Path shownMountpoint(Object configured) {
        if (configured instanceof String[] array) {
            configured = array.length > 0 ? array[0] : null;
        }
        if (configured == null || configured.toString().isBlank()) {
            return NO_MOUNTPOINT;
        }
        try {
            return Path.of(configured.toString().trim());
        } catch (InvalidPathException e) {
            return NO_MOUNTPOINT;
        }
    }

    @Override
    public Optional<String> backendName() {
        return Optional.empty();
    }

    @Override
    public MountState state() {
        return MountState.FAILED;
    }

    @Override
    public Optional<String> problem() {
        return Optional.of(message);
    }

    @Override
    public long connectionId() {
        return -1;
    }

    @Override
    public Optional<InitResult> init() {
        return Optional.empty();
    }

    @Override
    public String coherence() {
        return "none (not mounted)";
    }

    @Override
    public int openFiles() {
        return 0;
    }

    @Override
    public MountStatistics statistics() {
        return new MountStatistics(Map.of(), 0, 0, 0, 0, 0, 0);
    }

    @Override
    public PassthroughStatistics passthrough() {
        return new PassthroughStatistics(0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, false);
    }

    @Override
    public List<BackingIdInfo> backingIds() {
        return List.of();
    }

    @Override
    public void swap(String backendName) throws MountException {
        throw new MountException("mount " + name + " is not mounted: " + message);
    }
}
