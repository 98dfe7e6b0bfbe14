package fuse.shell.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code help}: for a {@code fuse:} command the whole {@link Help} (arguments, every key from Metatype); for any
 * other name, and without one, Gogo's own {@code felix:help} as well. Registered as {@code felix:help} with a
 * higher ranking than Gogo's, so {@code help} and {@code felix:help} come here in any session (the console's, or one
 * that runs command lines for another front end).
 */
@Component(service = HelpCommand.class, property = {"service.ranking:Integer=10",
    "service.description=help for fuse: commands, Gogo's for the rest"})
@Command(scope = "felix", function = "help")
public final class HelpCommand {
    private static final String GOGO_HELP = "(&(osgi.command.scope=felix)(osgi.command.function=help)"
            + "(!(component.name=fuse.shell.*)))";

    private final BundleContext context;
    private final Registry registry;

    @Activate
    public HelpCommand(BundleContext context, @Reference Registry registry) {
        this.context = context;
        this.registry = registry;
    }

    @Descriptor("lists the commands (fuse: commands first)")
    public Object help() throws Exception {
        String fuse = "fuse: commands (help <command> or <command> --help explains one):\n  "
                + String.join("\n  ", Usage.ALL);
        Object gogo = gogoHelp();
        return gogo == null ? fuse : fuse + "\nother commands:\n" + gogo;
    }

    @Descriptor("explains a command: for fuse: commands every argument and key=value setting")
    public Object help(@Descriptor("the command, e.g. fuse:mount or mount; a backend name narrows the keys")
            String command, @Descriptor("a backend whose keys to list") String... backend) throws Exception {
        Optional<String> fuse = Help.of(command, registry, backend);
        if (fuse.isPresent()) {
            return fuse.get();
        }
        return gogoHelp(command);
    }

    /** Gogo's {@code felix:help}, with the arguments given. */
    private Object gogoHelp(String... arguments) throws Exception {
        ServiceReference<?>[] references;
        try {
            references = context.getServiceReferences((String) null, GOGO_HELP);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (references == null) {
            return null;
        }
        Object basic = context.getService(references[0]);
        try {
            Class<?>[] types = new Class<?>[arguments.length];
            java.util.Arrays.fill(types, String.class);
            Method method = basic.getClass().getMethod("help", types);
            method.setAccessible(true);
            return method.invoke(basic, (Object[]) arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            context.ungetService(references[0]);
        }
    }
}
