package fuse.testkit;

import java.time.Duration;

/**
 * Runs a command beside a mount, at most {@code timeout}, and fails the test when it does not finish in time
 * (after aborting the mount) or exits non-zero; its output. A test mount is one ({@link KernelMounts#run}).
 */
@FunctionalInterface
public interface CommandRunner {
    String run(Duration timeout, String... command) throws Exception;
}
