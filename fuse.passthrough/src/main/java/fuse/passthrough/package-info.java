/**
 * The passthrough lifecycle of one mount: turns a backend's per-open wish (pass this file through, or serve it in
 * Java) into open flags and a backing id the kernel accepts for the inode's current state, keeps one backing id
 * per inode for as long as an open may use it, and reports what it decided (statistics, live backing ids).
 */
@Export
@Version("1.0.0")
package fuse.passthrough;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
