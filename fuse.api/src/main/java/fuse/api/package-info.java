/**
 * The backend SPI: what a filesystem backend implements so that {@code fuse.mount} can serve it through a FUSE
 * mount, and the values that cross that boundary.
 */
@Export
@Version("2.1.0")
package fuse.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
