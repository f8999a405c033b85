package dev.gatehouse.appliance.routing;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.core.ServiceException;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.tls.backend.ProxyProtocolMode;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.tls.sni.Hostnames;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Backend pools and Host routes kept in the store (admin only): validated, written, and the
 * router rebuilt on this node at once (other nodes rebuild on the store's change event).
 * {@code validateRouting} runs after every write and may refuse nothing: the stored routing is
 * overlaid on the configuration file's.
 */
public final class RoutingService {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final Store store;
    private final Runnable routingChanged;

    public RoutingService(Store store, Runnable routingChanged) {
        this.store = store;
        this.routingChanged = routingChanged;
    }

    public List<PoolRecord> pools(Principal who) throws ServiceException {
        who.requireAdmin();
        return store.pools().stream().sorted(Comparator.comparing(PoolRecord::name)).toList();
    }

    public List<RouteRecord> routes(Principal who) throws ServiceException {
        who.requireAdmin();
        return store.records(RecordKinds.ROUTES).stream().sorted(Comparator.comparing(RouteRecord::host)).toList();
    }

    /**
     * Creates or replaces pool {@code name}; {@code policy} null = round-robin, {@code healthPath}
     * optional, {@code proxyProtocol} null or {@code off} = no PROXY protocol header to the backends.
     */
    public synchronized PoolRecord putPool(Principal who, String name, List<String> servers, String policy,
            String healthPath, String proxyProtocol) throws ServiceException, StoreException {
        who.requireAdmin();
        if (name == null || !NAME.matcher(name).matches()) {
            throw ServiceException.invalid("invalid-field", "name", "name: '" + name
                    + "' (expected: lower-case letters, digits and dashes)");
        }
        if (servers == null || servers.isEmpty()) {
            throw ServiceException.invalid("invalid-field", "servers", "servers: missing or empty (expected: a list "
                    + "of host:port)");
        }
        for (String s : servers) {
            if (s == null || !ConfigLoader.validServer(s)) {
                throw ServiceException.invalid("invalid-field", "servers", "servers: '" + s
                        + "' (expected: host:port with a port 1-65535)");
            }
        }
        String p = policy == null ? "round-robin" : policy;
        if (!p.equals("round-robin") && !p.equals("least-outstanding")) {
            throw ServiceException.invalid("invalid-field", "policy", "policy: '" + p
                    + "' (expected: round-robin or least-outstanding)");
        }
        if (healthPath != null && !healthPath.startsWith("/")) {
            throw ServiceException.invalid("invalid-field", "healthPath", "healthPath: '" + healthPath
                    + "' (expected: starts with /)");
        }
        ProxyProtocolMode header = proxyProtocol == null ? ProxyProtocolMode.OFF : ProxyProtocolMode.parse(proxyProtocol);
        if (header == null) {
            throw ServiceException.invalid("invalid-field", "proxyProtocol", "proxyProtocol: '" + proxyProtocol
                    + "' (expected: " + ProxyProtocolMode.EXPECTED + ")");
        }
        PoolRecord pool = new PoolRecord(name, List.copyOf(servers), p, healthPath, store.nextRevision(),
                header == ProxyProtocolMode.OFF ? null : header.value());
        store.put(RecordKinds.POOLS, pool);
        routingChanged.run();
        return pool;
    }

    public synchronized void deletePool(Principal who, String name) throws ServiceException, StoreException {
        who.requireAdmin();
        for (RouteRecord route : store.records(RecordKinds.ROUTES)) {
            if (route.pool().equals(name)) {
                throw ServiceException.conflict("pool-in-use", "name", "pool '" + name + "' is used by route "
                        + route.host());
            }
        }
        if (!store.remove(RecordKinds.POOLS, name)) {
            throw ServiceException.notFound("pool", name);
        }
        routingChanged.run();
    }

    public synchronized RouteRecord putRoute(Principal who, String rawHost, String pool)
            throws ServiceException, StoreException {
        who.requireAdmin();
        String host = host(rawHost);
        if (pool == null || store.pools().stream().noneMatch(p -> p.name().equals(pool))) {
            throw ServiceException.invalid("invalid-field", "pool", "pool: '" + pool
                    + "' (expected: the name of a pool created with PUT /v1/pools/{name})");
        }
        RouteRecord route = new RouteRecord(host, pool, store.nextRevision());
        store.put(RecordKinds.ROUTES, route);
        routingChanged.run();
        return route;
    }

    public synchronized void deleteRoute(Principal who, String rawHost) throws ServiceException, StoreException {
        who.requireAdmin();
        if (!store.remove(RecordKinds.ROUTES, host(rawHost))) {
            throw ServiceException.notFound("route", rawHost);
        }
        routingChanged.run();
    }

    private static String host(String raw) throws ServiceException {
        String host = Hostnames.normalizePattern(raw);
        if (host == null) {
            throw ServiceException.invalid("invalid-field", "host", "host: '" + raw
                    + "' (expected: a DNS name or *.parent.tld)");
        }
        return host;
    }
}
