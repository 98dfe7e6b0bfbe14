package fuse.container.internal;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the framework when the JVM is asked to end (SIGTERM, SIGINT, SIGHUP): the launcher does not, and without a
 * framework stop nothing is unmounted, so the mounts would be left behind dead. The JVM waits for this hook, so the
 * framework's orderly stop (mounts first, see fuse.mount) runs to its end, bounded by {@value #STOP_SECONDS} s.
 * After an ordinary {@code stop 0} the hook is removed again.
 */
@Component(immediate = true, service = {})
public final class StopOnSignal {
    private static final Logger LOG = LoggerFactory.getLogger(StopOnSignal.class);
    private static final long STOP_SECONDS = 30;

    private final Thread hook;

    @Activate
    public StopOnSignal(BundleContext context) {
        Framework framework = context.getBundle(0).adapt(Framework.class);
        hook = new Thread(() -> stop(framework), "fuse-stop-on-signal");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private static void stop(Framework framework) {
        if ((framework.getState() & (Framework.ACTIVE | Framework.STARTING)) == 0) {
            return; // already stopping: nothing to start, only to wait for
        }
        LOG.info("the JVM is asked to end: stopping the framework (unmounting every mount)");
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(TimeUnit.SECONDS.toMillis(STOP_SECONDS));
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("fuse: the framework did not stop within " + STOP_SECONDS + " s; exiting anyway");
            }
        } catch (BundleException e) {
            System.err.println("fuse: stopping the framework failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Deactivate
    void deactivate() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: this hook is what stops the framework, it cannot be removed.
        }
    }
}
