@Export
@Version("1.0.0")
package fuse.posix;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
