package dev.gatehouse.tls.backend;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the pools of a new router from those of the router it replaces. A server's identity is
 * its pool's name and its {@code host:port}: while both stay, the new pool holds the same
 * {@link BackendServer} object, so its health (up or down, since when, last error), its passive
 * ejection, its in-flight count and its pooled keep-alive connections carry over, whatever else
 * changed in the cluster's pools and routes. A pool whose name, servers, policy, check,
 * ejection time and PROXY header are all unchanged is carried over as the same object too (its round-robin cursor
 * and retry count with it).
 *
 * <p>Used by one thread at a time (the caller that rebuilds the router).
 */
public final class RouterCarryOver {

    private record ServerKey(String pool, String host, int port) {
    }

    private final Map<ServerKey, BackendServer> servers = new HashMap<>();
    private final Map<String, BackendPool> pools = new HashMap<>();

    private RouterCarryOver(Router previous) {
        if (previous == null) {
            return;
        }
        for (BackendPool p : previous.pools()) {
            pools.putIfAbsent(p.name(), p);
            for (BackendServer s : p.servers()) {
                servers.putIfAbsent(new ServerKey(p.name(), s.host(), s.port()), s);
            }
        }
    }

    /** Carries over from {@code previous} (null: nothing to carry, every object is new). */
    public static RouterCarryOver from(Router previous) {
        return new RouterCarryOver(previous);
    }

    /** The server {@code host:port} of pool {@code pool}: the previous router's object, or a new one. */
    public BackendServer server(String pool, String host, int port) {
        Objects.requireNonNull(pool, "pool");
        BackendServer kept = servers.get(new ServerKey(pool, host, port));
        return kept != null ? kept : new BackendServer(host, port);
    }

    /**
     * A pool of these servers (from {@link #server}): the previous pool object when nothing about
     * it changed, otherwise a new pool holding them.
     */
    public BackendPool pool(String name, List<BackendServer> members, BackendPool.Policy policy,
            HealthCheckSpec healthCheck, Duration ejectTime) {
        return pool(name, members, policy, healthCheck, ejectTime, ProxyProtocolMode.OFF);
    }

    /** As above, with the PROXY protocol header of the pool's backend connections. */
    public BackendPool pool(String name, List<BackendServer> members, BackendPool.Policy policy,
            HealthCheckSpec healthCheck, Duration ejectTime, ProxyProtocolMode proxyProtocol) {
        BackendPool old = pools.get(name);
        if (old != null && old.policy() == policy && Objects.equals(old.healthCheck(), healthCheck)
                && old.ejectTime().equals(ejectTime) && old.proxyProtocol() == proxyProtocol
                && sameServers(old.servers(), members)) {
            return old;
        }
        return new BackendPool(name, members, policy, healthCheck, ejectTime, proxyProtocol);
    }

    private static boolean sameServers(List<BackendServer> a, List<BackendServer> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }
}
