package fuse.shell.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container's console on the JVM's standard input, when the framework property {@value #PROPERTY} is
 * {@code stdin} (the container sets it; the in-framework tests do not). On a terminal it is a JLine line editor
 * ({@link TerminalConsole}: history, completion, Ctrl-C cancels the line, log lines printed above the prompt); on a
 * pipe or a FIFO it reads commands line by line ({@link PipeConsole}). Both run each line through Gogo's
 * {@link CommandProcessor}, the one way commands run, and print a failure as one line ({@link ConsoleLines}).
 *
 * <p>Gogo JLine's own shell is not started (its bundle's start level is above the container's, see fuse.bndrun):
 * it builds JLine's terminal with a class loader that cannot see JLine's terminal providers, so it always got a
 * dumb terminal, and it prints a failure as the exception's class name. Its commands ({@code echo}, {@code grep},
 * {@code each}, {@code history}...) are registered here instead, so the console offers what it did.
 */
@Component(immediate = true, service = {})
public final class Console {
    /** Framework property: {@code stdin} runs the console on the JVM's standard input. */
    static final String PROPERTY = "fuse.console";
    /** Framework property: the history file, relative to the working directory (the container's home). */
    static final String HISTORY = "fuse.console.history";
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);

    private final List<ServiceRegistration<?>> gogoCommands = new ArrayList<>();
    private volatile AutoCloseable running;

    @Activate
    public Console(BundleContext context, @Reference CommandProcessor processor, @Reference Registry registry) {
        if (!"stdin".equals(context.getProperty(PROPERTY))) {
            return;
        }
        registerGogoCommands(context, processor);
        String history = context.getProperty(HISTORY);
        Runnable stopContainer = () -> stopFramework(context);
        boolean terminal = System.console() != null && System.console().isTerminal();
        running = terminal
                ? TerminalConsole.start(processor, registry, history == null ? null : Path.of(history), stopContainer)
                : PipeConsole.start(processor);
    }

    @Deactivate
    void deactivate() {
        AutoCloseable console = running;
        if (console != null) {
            try {
                console.close();
            } catch (Exception e) {
                LOG.debug("closing the console failed", e);
            }
        }
        gogoCommands.forEach(ServiceRegistration::unregister);
        gogoCommands.clear();
    }

    private void registerGogoCommands(BundleContext context, CommandProcessor processor) {
        try {
            GogoCommands.register(context, processor, gogoCommands);
        } catch (LinkageError e) {
            LOG.warn("Gogo JLine's commands (echo, grep, each...) are not available: {}", e.toString());
        }
    }

    private static void stopFramework(BundleContext context) {
        try {
            context.getBundle(0).stop();
        } catch (Exception e) {
            LOG.error("stopping the container failed: {}", e.toString());
        }
    }

    static Dictionary<String, Object> commandProperties(String scope, String[] functions) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(CommandProcessor.COMMAND_SCOPE, scope);
        properties.put(CommandProcessor.COMMAND_FUNCTION, functions);
        return properties;
    }
}
