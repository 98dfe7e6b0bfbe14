/**
 * The POSIX conformance suite every backend runs: {@link fuse.testkit.posix.PosixScenarios}, written against
 * {@link fuse.testkit.posix.PosixDriver}, run through a backend's SPI ({@link fuse.testkit.posix.SpiDriver}), through
 * a mount or the host's own file system ({@link fuse.testkit.posix.PathDriver}). A backend's test extends
 * {@code PosixScenarios} and returns a driver for an empty directory:
 *
 * <pre>{@code
 * class MyPosixScenariosTest extends PosixScenarios {
 *     @TempDir Path dir;
 *     protected PosixDriver driver() {
 *         return new SpiDriver(MyFileSystem.open(dir), TestCaller.root());
 *     }
 * }
 * }</pre>
 */
@Export
@Version("1.0.0")
package fuse.testkit.posix;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
