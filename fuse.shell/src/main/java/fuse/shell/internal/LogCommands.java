package fuse.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.slf4j.LoggerFactory;

/**
 * {@code log:level}: shows and changes log levels per logger while the container runs (the lasting ones are in
 * {@code fuse.dist/logback.xml}). Levels apply to both outputs, the log file and the console; the console
 * additionally shows only WARN and above (and the start and stop lines).
 */
@Component(service = LogCommands.class, property = "service.description=log levels per logger, at run time")
@Command(scope = "log", function = "level")
public final class LogCommands {
    static final String USAGE = "log:level [logger [TRACE|DEBUG|INFO|WARN|ERROR|OFF|default]]";

    @Descriptor("lists the loggers whose level is set, with the root logger's level")
    public String level() {
        return levels().list();
    }

    @Descriptor("shows the level of one logger (its own, or the one it inherits)")
    public String level(@Descriptor("a logger name: a class or a package, e.g. fuse.mount, or ROOT") String logger) {
        if (Help.FLAGS.contains(logger)) {
            return USAGE + "\n  shows or sets the level of a logger (a package sets it for everything below it); "
                    + "default: inherit from the parent again";
        }
        return levels().show(logger);
    }

    @Descriptor("sets the level of a logger and of the loggers below it that have none of their own")
    public String level(@Descriptor("a logger name: a class or a package, e.g. fuse.mount, or ROOT") String logger,
            @Descriptor("TRACE, DEBUG, INFO, WARN, ERROR, OFF, or default (inherit again)") String level) {
        return levels().set(logger, level);
    }

    private static LogbackLevels levels() {
        if (!LoggerFactory.getILoggerFactory().getClass().getName().startsWith("ch.qos.logback.")) {
            throw new CommandException("log:level: the SLF4J backend here ("
                    + LoggerFactory.getILoggerFactory().getClass().getName() + ") has no levels to change; the "
                    + "container's (logback) has");
        }
        return new LogbackLevels();
    }
}
