package fuse.container.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what framework bundles log through the OSGi Log Service (FileInstall, SCR, ConfigAdmin) to SLF4J, so the
 * container has one log: the console and the log file. A user-facing problem such as a {@code .cfg} with a syntax
 * error becomes one line naming the file and the cause; the stack trace is kept for DEBUG.
 */
@Component(immediate = true)
public final class LogServiceToSlf4j implements LogListener {
    private final LogReaderService reader;

    @Activate
    public LogServiceToSlf4j(@Reference LogReaderService reader) {
        this.reader = reader;
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        if (isRoutineFrameworkEvent(entry)) {
            return;
        }
        Logger logger = LoggerFactory.getLogger(entry.getLoggerName() != null && !entry.getLoggerName().equals("LogService")
                ? entry.getLoggerName()
                : entry.getBundle().getSymbolicName());
        String line = OneLine.of(entry.getMessage(), entry.getException());
        switch (entry.getLogLevel()) {
            case AUDIT, ERROR -> logger.error(line);
            case WARN -> logger.warn(line);
            case INFO -> logger.info(line);
            case DEBUG -> logger.debug(line, entry.getException());
            case TRACE -> logger.trace(line, entry.getException());
        }
        if (entry.getException() != null && logger.isDebugEnabled()) {
            logger.debug("stack trace of the entry above", entry.getException());
        }
    }

    /**
     * The Log Service also records every bundle and service event ("Events.*" loggers, at INFO/DEBUG); the
     * console only wants the ones that say something went wrong.
     */
    private static boolean isRoutineFrameworkEvent(LogEntry entry) {
        String name = entry.getLoggerName();
        return name != null && name.startsWith("Events.") && entry.getLogLevel().implies(org.osgi.service.log.LogLevel.INFO);
    }
}
