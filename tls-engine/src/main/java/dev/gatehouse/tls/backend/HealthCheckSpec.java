package dev.gatehouse.tls.backend;

import java.time.Duration;
import java.util.Objects;

/**
 * Active HTTP health check of a pool: {@code GET path} every {@code interval}; a 2xx or 3xx within
 * {@code timeout} is a success; {@code rise} successes mark a server up, {@code fall} failures down.
 */
public record HealthCheckSpec(String path, Duration interval, Duration timeout, int rise, int fall) {

    public HealthCheckSpec {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("healthCheck.path: '" + path + "' (expected: starts with /)");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("healthCheck.interval: " + interval + " (expected: > 0)");
        }
        if (timeout.compareTo(interval) > 0) {
            throw new IllegalArgumentException("healthCheck.timeout: " + timeout
                    + " (expected: <= interval " + interval + ")");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("healthCheck.rise/fall: " + rise + "/" + fall + " (expected: >= 1)");
        }
    }

    public static HealthCheckSpec of(String path) {
        return new HealthCheckSpec(path, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 2);
    }
}
