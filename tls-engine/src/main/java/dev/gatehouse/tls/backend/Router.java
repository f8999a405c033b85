package dev.gatehouse.tls.backend;

import dev.gatehouse.tls.sni.Hostnames;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps a request's Host to a backend pool: exact name, then one-label wildcard, then the default
 * pool. Immutable; the engine swaps in a new router when routes change, so routing is lock-free.
 * A rebuilt router reuses the server (and, when unchanged, pool) objects of the one it replaces
 * through {@link RouterCarryOver}, so health, ejections and pooled connections survive the swap.
 */
public final class Router {

    private final Map<String, BackendPool> exact;
    private final Map<String, BackendPool> wildcard;
    private final BackendPool defaultPool;
    /** Pools by name, for a hostname policy's origin override. */
    private final Map<String, BackendPool> named;

    private Router(Map<String, BackendPool> exact, Map<String, BackendPool> wildcard, BackendPool defaultPool,
            Map<String, BackendPool> named) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.defaultPool = defaultPool;
        this.named = named;
    }

    /** The pool named {@code name} (routed or only {@linkplain Builder#pool registered}), or null. */
    public BackendPool pool(String name) {
        return named.get(name);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The pool for a Host header value (port and trailing dot ignored), or null when none applies. */
    public BackendPool route(String hostHeader) {
        String name = hostHeader == null ? null : Hostnames.normalize(Hostnames.withoutPort(hostHeader));
        if (name != null) {
            BackendPool p = exact.get(name);
            if (p != null) {
                return p;
            }
            String parent = Hostnames.wildcardParent(name);
            if (parent != null) {
                p = wildcard.get(parent);
                if (p != null) {
                    return p;
                }
            }
        }
        return defaultPool;
    }

    /** Every pool this router can send to (for health checking). */
    public java.util.Set<BackendPool> pools() {
        java.util.Set<BackendPool> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        all.addAll(named.values());
        all.addAll(exact.values());
        all.addAll(wildcard.values());
        if (defaultPool != null) {
            all.add(defaultPool);
        }
        return all;
    }

    /** Every server of every pool of this router (a server in two pool objects counts once). */
    public java.util.Set<BackendServer> servers() {
        java.util.Set<BackendServer> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (BackendPool p : pools()) {
            all.addAll(p.servers());
        }
        return all;
    }

    /** Builds a router; rejects invalid host patterns. */
    public static final class Builder {
        private final Map<String, BackendPool> exact = new HashMap<>();
        private final Map<String, BackendPool> wildcard = new HashMap<>();
        private BackendPool defaultPool;
        private final Map<String, BackendPool> named = new HashMap<>();

        /**
         * Makes a pool reachable by name (a hostname policy's origin) even when no route uses it; it is
         * health-checked like a routed pool.
         */
        public Builder pool(String name, BackendPool pool) {
            named.put(name, pool);
            return this;
        }

        /** Routes a host pattern ({@code app.example.com} or {@code *.example.com}) to a pool. */
        public Builder route(String pattern, BackendPool pool) {
            String p = Hostnames.normalizePattern(pattern);
            if (p == null) {
                throw new IllegalArgumentException("route host: '" + pattern
                        + "' (expected: a DNS name or *.parent.tld)");
            }
            if (Hostnames.isWildcard(p)) {
                wildcard.put(p.substring(2), pool);
            } else {
                exact.put(p, pool);
            }
            return this;
        }

        public Builder defaultPool(BackendPool pool) {
            this.defaultPool = pool;
            return this;
        }

        public Router build() {
            Map<String, BackendPool> byName = new HashMap<>();
            exact.values().forEach(p -> byName.putIfAbsent(p.name(), p));
            wildcard.values().forEach(p -> byName.putIfAbsent(p.name(), p));
            if (defaultPool != null) {
                byName.putIfAbsent(defaultPool.name(), defaultPool);
            }
            byName.putAll(named);
            return new Router(Map.copyOf(exact), Map.copyOf(wildcard), defaultPool, Map.copyOf(byName));
        }
    }
}
