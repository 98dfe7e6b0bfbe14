package fuse.shell.internal;

import java.lang.reflect.Field;
import java.util.List;

import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Converters;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Gogo JLine's commands and converters, registered as its own activator does (scope {@code gogo}), without its
 * shell (see {@link Console}).
 */
final class GogoCommands {
    private GogoCommands() {
    }

    static void register(BundleContext context, CommandProcessor processor, List<ServiceRegistration<?>> into) {
        into.add(context.registerService(Converter.class, new Converters(context.getBundle(0).getBundleContext()),
                null));
        for (Object commands : new Object[] {new Builtin(), new Procedural(), new Posix(processor)}) {
            into.add(context.registerService(Object.class, commands,
                    Console.commandProperties("gogo", functions(commands.getClass()))));
        }
    }

    /** The function names each class declares; Gogo JLine keeps them package-private ({@code functions}). */
    private static String[] functions(Class<?> type) {
        try {
            Field field = type.getDeclaredField("functions");
            field.setAccessible(true);
            return ((String[]) field.get(null)).clone();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Gogo JLine " + type.getSimpleName() + " lists no functions", e);
        }
    }
}
