package fuse.container.internal;

import static fuse.posix.Linux.RLIMIT_NOFILE;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.posix.Posix;
import fuse.posix.PosixException;
import fuse.posix.ResourceLimit;

/**
 * Raises the process's soft descriptor limit ({@code RLIMIT_NOFILE}) to the hard one at start, as libfuse's
 * {@code passthrough_hp} does (the JVM usually has already: {@code -XX:+MaxFDLimit}), and says what it is: the
 * mounts' default open-file bounds are shares of it.
 */
@Component(immediate = true, service = {})
public final class DescriptorLimit {
    private static final Logger LOG = LoggerFactory.getLogger(DescriptorLimit.class);

    @Activate
    void activate() {
        try {
            ResourceLimit limit = Posix.getrlimit(RLIMIT_NOFILE);
            if (limit.soft() != limit.hard()) {
                Posix.setrlimit(RLIMIT_NOFILE, limit.raised());
                LOG.info("descriptor limit (RLIMIT_NOFILE) raised from {} to the hard limit {}", limit.soft(),
                        limit.hard());
            } else {
                LOG.info("descriptor limit (RLIMIT_NOFILE) {} (the hard limit)", describe(limit.soft()));
            }
        } catch (PosixException e) {
            LOG.warn("descriptor limit (RLIMIT_NOFILE) could not be raised: {}", e.getMessage());
        }
    }

    private static String describe(long value) {
        return value == ResourceLimit.UNLIMITED ? "unlimited" : Long.toString(value);
    }
}
