package fuse.testkit.posix;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import fuse.testkit.CommandRunner;

/**
 * Runs the Python scripts of this package ({@code probe.py}: one line per operation's result, to compare a mount
 * with the host; {@code manifest.py}: a tree's entries; {@code race.py}, {@code stress.py}, {@code bigdir.py}:
 * workloads) in a child process, optionally as another user, through a {@link CommandRunner} whose timeout aborts
 * the mount (a test mount's {@code run}). The system's python3 is used, which every user can run.
 */
public final class Python {
    public static final String PYTHON = "/usr/bin/python3";
    /** setpriv as uid/gid 65534 without supplementary groups: an ordinary user with nothing special. */
    public static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    /** As {@link #NOBODY} but in the supplementary group 100. */
    public static final List<String> NOBODY_IN_GROUP_100 = List.of("setpriv", "--reuid=65534", "--regid=65534",
            "--groups=100");
    public static final List<String> ROOT = List.of();

    private Python() {
    }

    /** The text of a script resource of this package. */
    public static String script(String name) {
        try (InputStream in = Python.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no script resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a script resource as {@code user} (a command prefix such as {@link #NOBODY}); its output. */
    public static String run(CommandRunner mount, Duration timeout, List<String> user, String scriptName,
            String... args) throws Exception {
        List<String> command = new ArrayList<>(user);
        command.add(PYTHON);
        command.add("-c");
        command.add(script(scriptName));
        command.addAll(Arrays.asList(args));
        return mount.run(timeout, command.toArray(String[]::new));
    }

    /** {@code probe.py}: each operation's result line, in order. */
    public static List<String> probe(CommandRunner mount, List<String> user, String base, String umask,
            List<String> operations) throws Exception {
        List<String> args = new ArrayList<>(List.of(base, umask));
        args.addAll(operations);
        String output = run(mount, Duration.ofSeconds(60), user, "probe.py", args.toArray(String[]::new));
        return output.lines().toList();
    }

    /** {@code manifest.py} of a tree, as root: one line per entry. */
    public static List<String> manifest(CommandRunner mount, String root, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of(root));
        args.addAll(Arrays.asList(options));
        return run(mount, Duration.ofSeconds(120), ROOT, "manifest.py", args.toArray(String[]::new)).lines()
                .toList();
    }
}
