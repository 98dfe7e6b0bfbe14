/**
 * The one place for Linux system calls (Java FFM, no JNI): the linker and errno plumbing every native call uses,
 * and typed wrappers for the calls the channel and the backends need. Failures are {@link fuse.posix.PosixException}s,
 * which carry the {@link fuse.api.Errno} a FUSE reply needs.
 */
@Export
@Version("1.8.0")
package fuse.posix;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
