package fuse.shell.internal;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.ConsoleTarget;

/**
 * Sends logback's console appenders to another stream while the terminal console runs (lines printed above the
 * prompt), and back to standard error after. Replacing {@code System.err} would not do: Gogo's ThreadIO puts its own
 * back before every command. Only loaded when logback is the SLF4J backend.
 */
final class LogbackConsole {
    private LogbackConsole() {
    }

    /** Redirects every console appender to {@code stream}; the answer puts them back. */
    static Runnable redirect(OutputStream stream) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return () -> { };
        }
        List<ConsoleAppender<ILoggingEvent>> appenders = new ArrayList<>();
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof ConsoleAppender<ILoggingEvent> console && !appenders.contains(console)) {
                    appenders.add(console);
                }
            }
        }
        appenders.forEach(appender -> appender.setOutputStream(stream));
        return () -> appenders.forEach(appender -> appender.setOutputStream(target(appender).getStream()));
    }

    private static ConsoleTarget target(ConsoleAppender<ILoggingEvent> appender) {
        ConsoleTarget target = ConsoleTarget.findByName(appender.getTarget());
        return target != null ? target : ConsoleTarget.SystemErr;
    }
}
