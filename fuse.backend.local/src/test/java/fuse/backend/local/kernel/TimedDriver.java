package fuse.backend.local.kernel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import fuse.mount.testing.TestMount;
import fuse.testkit.posix.PosixDriver;
import fuse.testkit.posix.PosixDriver.OpenFile;

/**
 * A {@link PosixDriver} whose every call (and every call on the files it opens) runs on its own abandonable
 * thread through {@link TestMount#io}: a call stuck on the mount fails the test and aborts the connection instead
 * of hanging the test thread. The calls stay real system calls on the mountpoint ({@link fuse.testkit.posix.PathDriver}).
 */
final class TimedDriver implements InvocationHandler {
    private final Object target;
    private final TestMount mount;

    private TimedDriver(Object target, TestMount mount) {
        this.target = target;
        this.mount = mount;
    }

    static PosixDriver wrap(PosixDriver driver, TestMount mount) {
        return proxy(PosixDriver.class, driver, mount);
    }

    private static <T> T proxy(Class<T> type, T target, TestMount mount) {
        return type.cast(Proxy.newProxyInstance(TimedDriver.class.getClassLoader(), new Class<?>[] {type},
                new TimedDriver(target, mount)));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return method.invoke(target, args);
        }
        Object[] unwrapped = unwrap(args);
        Object result = mount.io(() -> {
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
            return wrap(driver, mount);
        }
        if (result instanceof OpenFile file) {
            return proxy(OpenFile.class, file, mount);
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
