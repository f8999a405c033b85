package dev.gatehouse.appliance.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * The application log's line format, {@code logging.format} in the configuration file.
 *
 * <p>{@code logback.xml} starts every process with the text format (UTC ISO-8601 timestamps with
 * milliseconds); the configuration file is read after logback has started, so a node configured with
 * {@code json} switches the encoder of the root logger's stream appenders (stderr, the journal) at
 * the start of {@code Node.start}, before it logs anything of its own. Lines logged before that (the
 * launcher's first lines) stay in text.
 *
 * <p>JSON lines come from logback's own {@link JsonEncoder} (logback 1.5): one object per line with
 * {@code timestamp} in epoch milliseconds (UTC by definition), {@code level}, {@code threadName},
 * {@code loggerName}, {@code mdc}, {@code kvpList}, {@code formattedMessage} and {@code throwable};
 * our {@code key=value} fields stay inside {@code formattedMessage}.
 */
public final class LogFormat {

    /** The line formats of {@code logging.format}. */
    public enum Kind { TEXT, JSON }

    private LogFormat() {
    }

    /** Switches the root logger's stream appenders to {@code kind}; TEXT leaves logback.xml's encoder. */
    public static void apply(Kind kind) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
            apply(lc, kind);
        }
    }

    static void apply(LoggerContext lc, Kind kind) {
        if (kind != Kind.JSON) {
            return;
        }
        Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext();) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out
                    && !(out.getEncoder() instanceof JsonEncoder)) {
                // each line is encoded whole by one encoder or the other; the text encoder is left
                // running, as a thread may be encoding with it right now
                out.setEncoder(json(lc));
            }
        }
    }

    /** Logback's JSON encoder with the fields an operator's log pipeline wants, started. */
    public static JsonEncoder json(LoggerContext context) {
        JsonEncoder e = new JsonEncoder();
        e.setContext(context);
        e.setWithSequenceNumber(false);
        e.setWithNanoseconds(false);
        e.setWithContext(false);
        e.setWithMessage(false); // the raw pattern and its arguments: formattedMessage says it all
        e.setWithArguments(false);
        e.setWithFormattedMessage(true);
        e.start();
        return e;
    }
}
