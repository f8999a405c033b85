package dev.gatehouse.tls.backend;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named set of backend servers and how to pick one. A pool with no healthy server picks none,
 * and the proxy answers 503.
 */
public final class BackendPool {

    /** How a healthy server is chosen. */
    public enum Policy { ROUND_ROBIN, LEAST_OUTSTANDING }

    private final String name;
    private final List<BackendServer> servers;
    private final Policy policy;
    private final HealthCheckSpec healthCheck;
    private final Duration ejectTime;
    private final ProxyProtocolMode proxyProtocol;
    private final AtomicInteger cursor = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param healthCheck active check, or null for none (servers are then up unless ejected)
     * @param ejectTime   how long a server that refused a connection is left out
     */
    public BackendPool(String name, List<BackendServer> servers, Policy policy, HealthCheckSpec healthCheck,
            Duration ejectTime) {
        this(name, servers, policy, healthCheck, ejectTime, ProxyProtocolMode.OFF);
    }

    /**
     * @param proxyProtocol the PROXY protocol header that starts each backend connection; with one,
     *                      a backend connection serves one client connection only
     */
    public BackendPool(String name, List<BackendServer> servers, Policy policy, HealthCheckSpec healthCheck,
            Duration ejectTime, ProxyProtocolMode proxyProtocol) {
        this.name = Objects.requireNonNull(name, "name");
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("pool " + name + ": servers: empty (expected: at least one)");
        }
        this.servers = List.copyOf(servers);
        this.policy = Objects.requireNonNull(policy, "policy");
        this.healthCheck = healthCheck;
        this.ejectTime = Objects.requireNonNull(ejectTime, "ejectTime");
        this.proxyProtocol = Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    }

    public static BackendPool of(String name, BackendServer... servers) {
        return new BackendPool(name, List.of(servers), Policy.ROUND_ROBIN, null, Duration.ofSeconds(5));
    }

    public String name() {
        return name;
    }

    public List<BackendServer> servers() {
        return servers;
    }

    public Policy policy() {
        return policy;
    }

    public HealthCheckSpec healthCheck() {
        return healthCheck;
    }

    /** How long a server that refused a connection is left out. */
    public Duration ejectTime() {
        return ejectTime;
    }

    /** The PROXY protocol header each backend connection starts with ({@link ProxyProtocolMode#OFF}: none). */
    public ProxyProtocolMode proxyProtocol() {
        return proxyProtocol;
    }

    /** Picks a healthy server, or null when none is. Never blocks. */
    public BackendServer pick() {
        return pick(null);
    }

    /** Like {@link #pick()}, avoiding {@code exclude} when another healthy server exists (retries). */
    public BackendServer pick(BackendServer exclude) {
        if (exclude != null) {
            retries.increment();
        }
        int n = servers.size();
        int start = Math.floorMod(cursor.getAndIncrement(), n);
        BackendServer best = null;
        for (int i = 0; i < n; i++) {
            BackendServer s = servers.get((start + i) % n);
            if (!s.healthy() || (s == exclude && n > 1)) {
                continue;
            }
            if (policy == Policy.ROUND_ROBIN) {
                return s;
            }
            if (best == null || s.outstanding() < best.outstanding()) {
                best = s;
            }
        }
        return best;
    }

    /** Passive health check: leaves out a server that refused a connection. */
    public void ejectAfterConnectFailure(BackendServer server) {
        server.eject(ejectTime.toNanos());
    }

    /** Picks made to retry a request on another server (since this pool object was created). */
    public long retries() {
        return retries.sum();
    }
}
