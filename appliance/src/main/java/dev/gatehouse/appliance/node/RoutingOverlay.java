package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.backend.ProxyProtocolMode;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.backend.RouterCarryOver;
import dev.gatehouse.tls.net.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing = the config file's pools and routes, overlaid by those managed through the API (a
 * store pool or route of the same name or host wins). Built again whenever pools or routes change
 * anywhere in the cluster; a server that stays in its pool (same pool name and host:port) is
 * carried over from the previous router with its health, ejection and pooled connections,
 * whatever else changed; only servers that are gone are dropped.
 */
final class RoutingOverlay {

    private static final Logger log = LoggerFactory.getLogger(RoutingOverlay.class);
    private static final Duration EJECT_TIME = Duration.ofSeconds(5);

    private RoutingOverlay() {
    }

    /**
     * The router for {@code config} overlaid by {@code store}, carrying servers over from {@code previous}
     * (or null); {@code originPools} are also reachable by name (pools a hostname policy sends to,
     * routed or not).
     */
    static Router build(GatehouseConfig config, Store store, Router previous, java.util.Set<String> originPools) {
        RouterCarryOver carry = RouterCarryOver.from(previous);
        Map<String, BackendPool> pools = new HashMap<>();
        for (GatehouseConfig.Pool p : config.pools()) {
            pools.put(p.name(), carry.pool(p.name(), servers(carry, p.name(), p.servers()), p.policy(),
                    p.healthCheck(), EJECT_TIME, p.proxyProtocol()));
        }
        for (PoolRecord p : store.pools()) {
            BackendPool.Policy policy = "least-outstanding".equals(p.policy())
                    ? BackendPool.Policy.LEAST_OUTSTANDING : BackendPool.Policy.ROUND_ROBIN;
            HealthCheckSpec check = p.healthPath() == null ? null : HealthCheckSpec.of(p.healthPath());
            ProxyProtocolMode header = ProxyProtocolMode.parse(p.proxyProtocol()); // checked when written
            header = header == null ? ProxyProtocolMode.OFF : header;
            pools.put(p.name(), carry.pool(p.name(), servers(carry, p.name(), p.servers()), policy, check,
                    EJECT_TIME, header));
        }
        Router.Builder b = Router.builder();
        Map<String, String> routes = new LinkedHashMap<>();
        config.routes().forEach(r -> routes.put(r.host(), r.pool()));
        for (RouteRecord r : store.routes()) {
            routes.put(r.host(), r.pool());
        }
        routes.forEach((host, pool) -> {
            BackendPool bp = pools.get(pool);
            if (bp == null) {
                log.warn("event=route_skipped host={} pool={} reason=no such pool", host, pool);
            } else {
                b.route(host, bp);
            }
        });
        if (config.defaultPool() != null) {
            b.defaultPool(pools.get(config.defaultPool()));
        }
        for (String origin : originPools) {
            BackendPool bp = pools.get(origin);
            if (bp != null) {
                b.pool(origin, bp);
            }
        }
        return b.build();
    }

    /** Servers ({@code host:port}, validated when written) of a pool, carried over when they stay. */
    private static List<BackendServer> servers(RouterCarryOver carry, String pool, List<String> hostPorts) {
        List<BackendServer> out = new ArrayList<>();
        for (String s : hostPorts) {
            HostPort hp = HostPort.parse(s);
            out.add(carry.server(pool, hp.host(), hp.port()));
        }
        return out;
    }
}
