package fuse.shell.internal;

import java.util.stream.Collectors;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

/** Logback's logger levels; only loaded when logback is the SLF4J backend ({@link LogCommands}). */
final class LogbackLevels {
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    String list() {
        return context.getLoggerList().stream().filter(logger -> logger.getLevel() != null)
                .map(logger -> logger.getName() + " " + logger.getLevel()).collect(Collectors.joining("\n"));
    }

    String show(String name) {
        Logger logger = context.getLogger(name);
        return logger.getName() + " " + logger.getEffectiveLevel()
                + (logger.getLevel() == null ? " (inherited)" : "");
    }

    String set(String name, String text) {
        Logger logger = context.getLogger(name);
        if (text.equalsIgnoreCase("default") || text.equalsIgnoreCase("null")) {
            if (logger.getName().equals(Logger.ROOT_LOGGER_NAME)) {
                throw new CommandException("log:level: the root logger has no parent to inherit from");
            }
            logger.setLevel(null);
            return show(name);
        }
        Level level = Level.toLevel(text, null);
        if (level == null) {
            throw new CommandException("log:level: not a level: '" + text + "' (TRACE, DEBUG, INFO, WARN, ERROR, "
                    + "OFF or default)\nusage: " + LogCommands.USAGE);
        }
        logger.setLevel(level);
        return show(name);
    }
}
