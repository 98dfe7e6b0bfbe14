/**
 * The passthrough policy language backends share: which regular-file opens the kernel passes through and which
 * the backend serves in Java ({@code policy} and {@code rules} settings, declared once in
 * {@link fuse.api.policy.PassthroughPolicySettings}, {@code fuse:policy}).
 */
@Export
@Version("1.1.0")
package fuse.api.policy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
