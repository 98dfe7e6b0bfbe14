package fuse.shell.internal;

import java.util.List;

/** The usage line of every command, in one place: error messages and descriptions use the same text. */
final class Usage {
    static final String MOUNTS = "fuse:mounts";
    static final String MOUNT = "fuse:mount <mountpoint> <backend> [key=value ...] [--wait]";
    static final String UNMOUNT = "fuse:unmount <mountpoint>";
    static final String SWAP = "fuse:swap <mountpoint> <backend> [key=value ...]";
    static final String POLICY = "fuse:policy <mountpoint> [always|never|rules ['rule' ...]]";
    static final String BACKENDS = "fuse:backends";
    static final String STATS = "fuse:stats [mountpoint]";
    static final String BACKING = "fuse:backing [mountpoint]";
    static final List<String> ALL = List.of(MOUNTS, MOUNT, UNMOUNT, SWAP, POLICY, BACKENDS, STATS, BACKING);

    private Usage() {
    }

    /** {@code fuse:mount} from its usage line. */
    static String command(String usage) {
        int space = usage.indexOf(' ');
        return space < 0 ? usage : usage.substring(0, space);
    }

    /** The usage line of {@code fuse:<function>}. */
    static String of(String function) {
        return ALL.stream().filter(usage -> command(usage).equals("fuse:" + function)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no command fuse:" + function));
    }
}
