package dev.gatehouse.appliance.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.core.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Logger levels of this node's application log, read and changed at runtime (admin only). A change
 * applies to this JVM alone, at once, and lasts until the node restarts (then {@code logback.xml}
 * applies again): it is not stored and not sent to the other members of a cluster.
 */
public final class LogLevels {

    /** What {@code PUT /v1/log-levels/{logger}} accepts; {@code null} clears a logger's own level. */
    public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
    public static final String ROOT = org.slf4j.Logger.ROOT_LOGGER_NAME;
    private static final Pattern LOGGER_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$.-]{0,199}");

    /**
     * One logger's level.
     *
     * @param logger         the logger name, {@code ROOT} for the root logger
     * @param level          its own level, or null when it inherits one
     * @param effectiveLevel the level it logs at
     */
    public record Setting(String logger, String level, String effectiveLevel) {

        public Map<String, Object> view() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("logger", logger);
            m.put("level", level);
            m.put("effectiveLevel", effectiveLevel);
            return m;
        }
    }

    private final LoggerContext context;

    public LogLevels() {
        this(LoggerFactory.getILoggerFactory());
    }

    LogLevels(org.slf4j.ILoggerFactory factory) {
        this.context = factory instanceof LoggerContext lc ? lc : null;
    }

    /** Every logger with a level of its own (set in {@code logback.xml} or here), the root logger first. */
    public List<Setting> list(Principal who) throws ServiceException {
        who.requireAdmin();
        LoggerContext lc = context();
        List<Setting> out = new ArrayList<>();
        for (Logger l : lc.getLoggerList()) { // the root logger comes first, then by name
            if (l.getLevel() != null) {
                out.add(setting(l));
            }
        }
        return out;
    }

    /** One logger's level (a logger never configured is created, as logback does, and inherits). */
    public Setting get(Principal who, String logger) throws ServiceException {
        who.requireAdmin();
        return setting(logger(logger));
    }

    /**
     * Sets {@code logger}'s own level; {@code level} null makes it inherit its parent's again (not
     * for {@code ROOT}, which always has one).
     */
    public Setting set(Principal who, String logger, String level) throws ServiceException {
        who.requireAdmin();
        Logger l = logger(logger);
        Level parsed = null;
        if (level != null) {
            String upper = level.toUpperCase(Locale.ROOT);
            if (!LEVELS.contains(upper)) {
                throw ServiceException.invalid("invalid-field", "level", "level: '" + level + "' (expected: one of "
                        + String.join(", ", LEVELS) + ", or null to inherit)");
            }
            parsed = Level.toLevel(upper);
        } else if (l.getName().equals(ROOT)) {
            throw ServiceException.invalid("invalid-field", "level", "level: null (expected: the root logger always "
                    + "has a level, one of " + String.join(", ", LEVELS) + ")");
        }
        l.setLevel(parsed);
        return setting(l);
    }

    private Logger logger(String name) throws ServiceException {
        if (name == null || !(name.equalsIgnoreCase(ROOT) || LOGGER_NAME.matcher(name).matches())) {
            throw ServiceException.invalid("invalid-field", "logger", "logger: '" + name + "' (expected: ROOT or a "
                    + "logger name such as dev.gatehouse.tls.sni)");
        }
        return context().getLogger(name.equalsIgnoreCase(ROOT) ? ROOT : name);
    }

    private LoggerContext context() throws ServiceException {
        if (context == null) {
            throw new ServiceException(ServiceException.Kind.UNAVAILABLE, "logging-unavailable",
                    "the application log is not logback; levels cannot be read or changed", null);
        }
        return context;
    }

    private static Setting setting(Logger l) {
        return new Setting(l.getName(), l.getLevel() == null ? null : l.getLevel().toString(),
                l.getEffectiveLevel().toString());
    }
}
