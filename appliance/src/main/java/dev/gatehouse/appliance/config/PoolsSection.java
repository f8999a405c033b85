package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.backend.ProxyProtocolMode;
import dev.gatehouse.tls.sni.Hostnames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks {@code pools:}, {@code routes:} and {@code defaultPool:} once bound: pool names unique and
 * DNS-like, servers {@code host:port}, the PROXY protocol header {@code off}, {@code v1} or {@code v2}, every route and the default naming a pool, each host routed once.
 */
final class PoolsSection {

    private PoolsSection() {
    }

    /** The pools; {@code names} receives every pool name seen (for the routes' checks). */
    static List<GatehouseConfig.Pool> pools(ConfigReader r, List<ConfigFile.Pool> bound, JsonNode raw,
            Set<String> names) {
        List<GatehouseConfig.Pool> pools = new ArrayList<>();
        List<ConfigFile.Pool> list = ConfigReader.orEmpty(bound);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) != null) { // null: not a mapping, said by the binder
                pools.add(pool(r, "pools[" + i + "]", list.get(i), raw.path(i), names));
            }
        }
        return pools;
    }

    private static GatehouseConfig.Pool pool(ConfigReader r, String at, ConfigFile.Pool p, JsonNode raw,
            Set<String> names) {
        if (p.name() == null || !p.name().matches("[a-z0-9][a-z0-9-]{0,62}")) {
            r.problem(at + ".name", raw.path("name"), "a name of lower-case letters, digits and dashes");
        } else if (!names.add(p.name())) {
            r.problem(at + ".name", raw.path("name"), "a name not used by another pool");
        }
        List<String> servers = new ArrayList<>();
        List<String> written = ConfigReader.orEmpty(p.servers());
        if (written.isEmpty()) {
            r.problem(at + ".servers", raw.path("servers"), "at least one host:port");
        }
        for (int j = 0; j < written.size(); j++) {
            String s = written.get(j);
            if (s != null && ConfigLoader.validServer(s)) {
                servers.add(s);
            } else {
                r.problem(at + ".servers[" + j + "]", raw.path("servers").path(j), "host:port with a port 1-65535");
            }
        }
        ProxyProtocolMode header = ProxyProtocolMode.parse(p.proxyProtocol());
        if (header == null) {
            r.problem(at + ".proxyProtocol", raw.path("proxyProtocol"), ProxyProtocolMode.EXPECTED);
            header = ProxyProtocolMode.OFF;
        }
        return new GatehouseConfig.Pool(p.name(), servers, p.policy(),
                healthCheck(r, at + ".healthCheck", p.healthCheck(), raw.path("healthCheck")), header);
    }

    private static HealthCheckSpec healthCheck(ConfigReader r, String at, ConfigFile.HealthCheck h, JsonNode raw) {
        if (h == null) {
            return null;
        }
        if (!h.path().startsWith("/")) {
            r.problem(at + ".path", raw.path("path"), "a path starting with /");
            return null;
        }
        if (h.timeout().compareTo(h.interval()) > 0) {
            r.problem(at + ".timeout", raw.path("timeout"), "<= interval " + ConfigReader.human(h.interval()));
            return null;
        }
        return new HealthCheckSpec(h.path(), h.interval(), h.timeout(), h.rise(), h.fall());
    }

    static List<GatehouseConfig.Route> routes(ConfigReader r, List<GatehouseConfig.Route> bound, JsonNode raw,
            Set<String> pools) {
        List<GatehouseConfig.Route> routes = new ArrayList<>();
        Set<String> hosts = new HashSet<>();
        List<GatehouseConfig.Route> list = ConfigReader.orEmpty(bound);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) != null) { // null: not a mapping, said by the binder
                routes.add(route(r, "routes[" + i + "]", list.get(i), raw.path(i), hosts, pools));
            }
        }
        return routes;
    }

    /** The route with its host normalized; {@code hosts} receives it, to find a host routed twice. */
    private static GatehouseConfig.Route route(ConfigReader r, String at, GatehouseConfig.Route route, JsonNode raw,
            Set<String> hosts, Set<String> pools) {
        String host = Hostnames.normalizePattern(route.host());
        if (host == null) {
            r.problem(at + ".host", raw.path("host"), "a DNS name or *.parent.tld");
        } else if (!hosts.add(host)) {
            r.problem(at + ".host", raw.path("host"), "a host not routed by another entry");
        }
        if (route.pool() == null || !pools.contains(route.pool())) {
            r.problem(at + ".pool", raw.path("pool"), "the name of a pool in pools " + pools);
        }
        return new GatehouseConfig.Route(host, route.pool());
    }

    static String defaultPool(ConfigReader r, String pool, JsonNode raw, Set<String> pools) {
        if (pool != null && !pools.contains(pool)) {
            r.problem("defaultPool", raw, "the name of a pool in pools " + pools);
        }
        return pool;
    }
}
