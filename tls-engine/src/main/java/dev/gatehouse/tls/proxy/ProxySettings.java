package dev.gatehouse.tls.proxy;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Limits and header policy of the reverse proxy.
 *
 * @param maxInitialLineLength longest request line accepted (414 beyond)
 * @param maxHeaderSize        total request header bytes accepted (431 beyond)
 * @param maxBodySize          request body bytes accepted (413 beyond); 0 means no limit
 * @param connectTimeout       backend connect timeout (then another server, then 502)
 * @param requestTimeout       from request start until the backend's response headers (504 beyond)
 * @param idleTimeout          a keep-alive connection (client or backend) with no traffic is closed
 * @param headerTimeout        a client must send a complete request head within this (408 beyond;
 *                             defeats slowloris)
 * @param trustedProxies       client addresses whose X-Forwarded-For, Forwarded and X-Request-Id are
 *                             kept and extended; from anyone else they are replaced
 */
public record ProxySettings(
        int maxInitialLineLength,
        int maxHeaderSize,
        long maxBodySize,
        Duration connectTimeout,
        Duration requestTimeout,
        Duration idleTimeout,
        Duration headerTimeout,
        Set<String> trustedProxies) {

    public ProxySettings {
        positive("maxInitialLineLength", maxInitialLineLength);
        positive("maxHeaderSize", maxHeaderSize);
        if (maxBodySize < 0) {
            throw new IllegalArgumentException("maxBodySize: " + maxBodySize + " (expected: >= 0, 0 = unlimited)");
        }
        positive("connectTimeout", connectTimeout);
        positive("requestTimeout", requestTimeout);
        positive("idleTimeout", idleTimeout);
        positive("headerTimeout", headerTimeout);
        trustedProxies = Set.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
    }

    /** Defaults close to HAProxy's and nginx's. */
    public static ProxySettings defaults() {
        return new ProxySettings(8192, 16 * 1024, 64L * 1024 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(60), Duration.ofSeconds(10), Set.of());
    }

    public ProxySettings withHeaderTimeout(Duration d) {
        return new ProxySettings(maxInitialLineLength, maxHeaderSize, maxBodySize, connectTimeout, requestTimeout,
                idleTimeout, d, trustedProxies);
    }

    public ProxySettings withRequestTimeout(Duration d) {
        return new ProxySettings(maxInitialLineLength, maxHeaderSize, maxBodySize, connectTimeout, d,
                idleTimeout, headerTimeout, trustedProxies);
    }

    public ProxySettings withMaxBodySize(long bytes) {
        return new ProxySettings(maxInitialLineLength, maxHeaderSize, bytes, connectTimeout, requestTimeout,
                idleTimeout, headerTimeout, trustedProxies);
    }

    public ProxySettings withTrustedProxies(Set<String> addresses) {
        return new ProxySettings(maxInitialLineLength, maxHeaderSize, maxBodySize, connectTimeout, requestTimeout,
                idleTimeout, headerTimeout, addresses);
    }

    private static void positive(String field, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(field + ": " + v + " (expected: > 0)");
        }
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
        }
    }
}
