package dev.gatehouse.appliance.node;

import java.time.Clock;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The clock of the store: revisions, tombstone expiry and the "last synced with the cluster" time.
 * It is the system clock, unless the debug system property {@value #PROPERTY} (e.g. {@code 8d},
 * {@code -2h}) shifts it, so that a multi-process test can move a real node past the tombstone
 * lifetime without waiting a week. The shift applies to the store only (not to TLS validity, ACME
 * or leases), is logged at WARN on start, and has no place on a production node.
 */
final class StoreClock {

    static final String PROPERTY = "gatehouse.debug.storeClockOffset";
    private static final Pattern OFFSET = Pattern.compile("(-?\\d+)(ms|s|m|h|d)");

    private StoreClock() {
    }

    /** The system clock, shifted by {@value #PROPERTY} when it is set. */
    static Clock fromSystemProperties() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? Clock.systemUTC() : Clock.offset(Clock.systemUTC(), parse(v.trim()));
    }

    static Duration parse(String v) {
        Matcher m = OFFSET.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + " (expected: a duration such as 8d, -2h, 90m)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
