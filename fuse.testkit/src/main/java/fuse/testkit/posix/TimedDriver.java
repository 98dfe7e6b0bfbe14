package fuse.testkit.posix;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;

import fuse.testkit.KernelMounts;
import fuse.testkit.posix.PosixDriver.OpenFile;

/**
 * A {@link PosixDriver} whose every call (and every call on the files it opens) runs on its own abandonable
 * thread ({@link KernelMounts#io}): a call stuck on the mount fails the test and aborts the connection instead of
 * hanging the test thread. The calls stay real system calls on the mountpoint ({@link PathDriver}).
 */
public final class TimedDriver implements InvocationHandler {
    private final Object target;
    private final Duration timeout;
    private final String where;
    private final Runnable abort;

    private TimedDriver(Object target, Duration timeout, String where, Runnable abort) {
        this.target = target;
        this.timeout = timeout;
        this.where = where;
        this.abort = abort;
    }

    /**
     * @param timeout how long one call may take
     * @param where the mountpoint, for the failure message
     * @param abort what ends the mount when a call is stuck (a test mount's forced unmount)
     */
    public static PosixDriver wrap(PosixDriver driver, Duration timeout, String where, Runnable abort) {
        return proxy(PosixDriver.class, new TimedDriver(driver, timeout, where, abort));
    }

    private static <T> T proxy(Class<T> type, TimedDriver handler) {
        return type.cast(Proxy.newProxyInstance(TimedDriver.class.getClassLoader(), new Class<?>[] {type},
                handler));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return method.invoke(target, args);
        }
        Object[] unwrapped = unwrap(args);
        Object result = KernelMounts.io(timeout, where, abort, () -> {
            try {
                return method.invoke(target, unwrapped);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        });
        if (result instanceof PosixDriver driver) {
            return proxy(PosixDriver.class, new TimedDriver(driver, timeout, where, abort));
        }
        if (result instanceof OpenFile file) {
            return proxy(OpenFile.class, new TimedDriver(file, timeout, where, abort));
        }
        return result;
    }

    /** Open files passed back in (copy_file_range's target) go to the real driver unwrapped. */
    private static Object[] unwrap(Object[] args) {
        if (args == null) {
            return null;
        }
        Object[] result = args.clone();
        for (int i = 0; i < result.length; i++) {
            if (result[i] != null && Proxy.isProxyClass(result[i].getClass())
                    && Proxy.getInvocationHandler(result[i]) instanceof TimedDriver timed) {
                result[i] = timed.target;
            }
        }
        return result;
    }
}
