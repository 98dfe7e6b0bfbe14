package fuse.shell.internal;

import java.util.Locale;

import fuse.channel.InitResult;
import fuse.mount.FuseMount;
import fuse.mount.MountState;

/** How figures and states read in the shell's output, in one place. */
final class Formats {
    private Formats() {
    }

    /** A latency with a unit that keeps it short: {@code 850ns}, {@code 12.3us}, {@code 4.56ms}, {@code 1.20s}. */
    static String duration(double nanos) {
        if (nanos < 1_000) {
            return Math.round(nanos) + "ns";
        }
        if (nanos < 1_000_000) {
            return decimal(nanos / 1e3) + "us";
        }
        if (nanos < 1_000_000_000) {
            return decimal(nanos / 1e6) + "ms";
        }
        return decimal(nanos / 1e9) + "s";
    }

    private static String decimal(double value) {
        return String.format(Locale.ROOT, value < 10 ? "%.2f" : value < 100 ? "%.1f" : "%.0f", value);
    }

    /**
     * The mount's state; while it waits for a backend, how long requests still wait (one deadline per mount:
     * {@code WAITING_FOR_BACKEND(2.5s)}) or that they fail at once since it passed ({@code WAITING_FOR_BACKEND(EIO)}).
     */
    static String state(FuseMount mount) {
        MountState state = mount.state();
        // No space inside: scripts split fuse:mounts' columns on blanks.
        return mount.backendWaitLeft().map(left -> state + (left.isZero() ? "(EIO)"
                : "(" + decimal(left.toMillis() / 1e3) + "s)")).orElse(state.toString());
    }

    /** The negotiated protocol and the transport ({@code 7.45 uring}, {@code 7.45 device}), once INIT is done. */
    static String protocol(FuseMount mount) {
        return mount.init().map(init -> init.protocol() + " " + init.transport().key()).orElse(null);
    }

    /** {@code on}, or {@code off} with why: the configuration, the kernel, or a refusal that holds for the mount. */
    static String passthrough(FuseMount mount) {
        var init = mount.init();
        if (init.isEmpty()) {
            return null;
        }
        var statistics = mount.passthrough();
        if (init.get().passthrough() && statistics.passthroughEnabled()) {
            return "on";
        }
        for (var reason : statistics.fallbacks().keySet()) {
            if (reason.disablesMount()) {
                return "off (" + reason.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
            }
        }
        if (init.get().has(InitResult.WRITEBACK_CACHE)) {
            return "off (writeback cache)";
        }
        return init.get().passthrough() ? "off" : "off (not negotiated)";
    }

    /** The backend serving now, or the configured target while none is bound. */
    static String backend(FuseMount mount) {
        return mount.backendName().orElseGet(() -> {
            String target = mount.backendTarget();
            return target == null || target.isEmpty() ? null : target + "?";
        });
    }

    /** Whether a mount service has left its first moments (a mount or a failure to report). */
    static boolean settled(FuseMount mount) {
        MountState state = mount.state();
        // fuse.mount registers the service before its configuration is applied; that first FAILED is no verdict.
        return state != MountState.STARTING
                && !(state == MountState.FAILED && mount.problem().filter("not configured yet"::equals).isPresent());
    }
}
