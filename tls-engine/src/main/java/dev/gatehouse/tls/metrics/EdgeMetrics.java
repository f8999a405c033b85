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
        CONTEXT_ERROR, ACCESS_DENIED, OTHER;

        public String metricName() {
            return "handshake_failed." + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Counted once per connection whose PROXY protocol header was accepted. */
    public static final String PROXY_PROTOCOL_ACCEPTED = "proxy_protocol.accepted";
    /** Counted once per accepted header of the LOCAL command (the balancer's own health check). */
    public static final String PROXY_PROTOCOL_LOCAL = "proxy_protocol.local";

    /** Why a connection was closed at its PROXY protocol header (or for the lack of one). */
    public enum ProxyProtocolRefusal {
        /** a header from a source not in the trusted networks */
        UNTRUSTED_SOURCE,
        /** a trusted source sent something that is not a valid v1 or v2 header (or no header) */
        MALFORMED,
        /** a trusted source did not complete its header in time */
        TIMEOUT,
        /** a trusted source closed the connection before its header was complete */
        CLOSED;

        public String metricName() {
            return "proxy_protocol.refused." + name().toLowerCase(java.util.Locale.ROOT);
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

    public void proxyProtocolRefused(ProxyProtocolRefusal reason) {
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
