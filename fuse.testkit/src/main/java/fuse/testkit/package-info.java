/**
 * Test support for backends: {@link fuse.testkit.TestCaller} and {@link fuse.testkit.TestMountContext} to call a
 * {@link fuse.api.FileSystem} directly, {@link fuse.testkit.NodeHolds} to count its entries and release its nodes
 * as the mount does, {@link fuse.testkit.Wait} for bounded waits instead of sleeps, and
 * {@link fuse.testkit.KernelMounts}, the safety of a real-kernel test mount (deadline, abort, lazy unmount,
 * calls that cannot hang the test), {@link fuse.testkit.OutsideTheRoot} to prove that nothing next to a served
 * directory changed. The conformance scenarios are in {@link fuse.testkit.posix}.
 */
@Export
@Version("1.3.0")
package fuse.testkit;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
