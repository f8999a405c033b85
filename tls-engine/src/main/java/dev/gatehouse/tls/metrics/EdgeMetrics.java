package dev.gatehouse.tls.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the data plane, cheap to bump from any event loop. Names are stable
 * ({@code handshake_failed{reason=unknown_sni}} is {@code handshake_failed.unknown_sni}) so that the
 * console and benchmarks can read them.
 */
public final class EdgeMetrics {

    /** Why a TLS handshake did not complete. */
    public enum HandshakeFailure {
        NO_SNI, UNKNOWN_SNI, PROTOCOL_VERSION, CLIENT_CLOSED, TIMEOUT, NOT_TLS, CLIENT_HELLO_TOO_LARGE,
        CONTEXT_ERROR, OTHER;

        public String metricName() {
            return "handshake_failed." + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();

    public void increment(String name) {
        counter(name).increment();
    }

    public void add(String name, long delta) {
        counter(name).add(delta);
    }

    public void handshakeFailed(HandshakeFailure reason) {
        increment(reason.metricName());
    }

    public long get(String name) {
        LongAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    public long handshakeFailures(HandshakeFailure reason) {
        return get(reason.metricName());
    }

    /** A sorted copy of every counter. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private LongAdder counter(String name) {
        LongAdder a = counters.get(name);
        return a != null ? a : counters.computeIfAbsent(name, k -> new LongAdder());
    }
}
