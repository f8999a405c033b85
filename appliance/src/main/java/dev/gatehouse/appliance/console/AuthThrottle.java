package dev.gatehouse.appliance.console;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Failed-authentication throttle per client address: a token bucket of {@code limit} failures that
 * refills completely in {@code window} (one failure every {@code window / limit}), kept as a GCRA
 * "theoretical arrival time" so one {@code long} per address is all the state.
 *
 * <p>Only failures consume; a successful authentication neither consumes nor refills. While an
 * address's bucket is empty every non-public request from it is refused with 429 <em>before</em> its
 * token is looked at, a valid token included: the throttle cannot tell a guessed token from a stolen
 * one, and checking it would give a guesser an oracle. Public routes ({@code /healthz},
 * {@code /readyz}, the OpenAPI document) are not throttled.
 *
 * <p>Memory is bounded: at most {@code maxAddresses} buckets (Caffeine, size-evicted), and a bucket
 * is dropped {@code window} after its last failure, when it would be full again anyway. An attacker
 * spraying more addresses than that evicts buckets, which only forgives those addresses early. IPv6
 * clients are keyed by their /64, the block one host usually controls.
 *
 * <p>Thread-safe: buckets are updated atomically in the map.
 */
final class AuthThrottle {

    /** Buckets kept at most; an entry is a few dozen bytes. */
    static final int DEFAULT_MAX_ADDRESSES = 100_000;

    private final int limit;
    private final long intervalNanos;
    private final long toleranceNanos;
    private final Ticker ticker;
    private final Cache<String, Long> arrival;

    AuthThrottle(int limit, Duration window) {
        this(limit, window, DEFAULT_MAX_ADDRESSES, Ticker.systemTicker());
    }

    AuthThrottle(int limit, Duration window, int maxAddresses, Ticker ticker) {
        if (limit < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("limit " + limit + " and window " + window + " (expected: >= 1, > 0)");
        }
        this.limit = limit;
        this.intervalNanos = Math.max(1, window.toNanos() / limit);
        this.toleranceNanos = intervalNanos * limit - intervalNanos;
        this.ticker = ticker;
        this.arrival = Caffeine.newBuilder().maximumSize(maxAddresses).expireAfterWrite(window).ticker(ticker).build();
    }

    int limit() {
        return limit;
    }

    /** Milliseconds until {@code client} may try again (at least 1), or 0 when it may try now. Consumes nothing. */
    long retryAfterMillis(String client) {
        Long tat = arrival.getIfPresent(client);
        if (tat == null) {
            return 0;
        }
        long wait = tat - ticker.read() - toleranceNanos;
        return wait <= 0 ? 0 : Math.max(1, Duration.ofNanos(wait).toMillis());
    }

    /** Records one failed authentication; returns true when it emptied the bucket (the address is now throttled). */
    boolean failed(String client) {
        long now = ticker.read();
        Long tat = arrival.asMap().merge(client, now + intervalNanos, (old, fresh) -> Math.max(old, now) + intervalNanos);
        return tat - now > toleranceNanos;
    }

    /** The throttle's key for an address: the address itself, or the /64 of an IPv6 address. */
    static String key(InetAddress address) {
        if (address == null) {
            return "unknown";
        }
        if (address instanceof Inet6Address v6 && !v6.isLoopbackAddress()) {
            byte[] a = v6.getAddress();
            return HexFormat.of().formatHex(a, 0, 8) + "::/64";
        }
        return address.getHostAddress();
    }
}
