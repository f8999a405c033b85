package dev.gatehouse.appliance.observe;

import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backend servers' health as this node's router and health checker see it, for
 * {@code GET /v1/pools} and {@code /v1/status}. Per node: each node checks its backends itself.
 */
public final class PoolHealth {

    private PoolHealth() {
    }

    /** The health of each server of the live pool {@code name}, or null when no route uses such a pool here. */
    public static List<Map<String, Object>> of(Router router, String name) {
        for (BackendPool p : router.pools()) {
            if (p.name().equals(name)) {
                return servers(p);
            }
        }
        return null;
    }

    /** Every pool the router can send to (file and API pools), by name, with its servers' health. */
    public static List<Map<String, Object>> all(Router router) {
        List<BackendPool> pools = new ArrayList<>(router.pools());
        pools.sort(Comparator.comparing(BackendPool::name));
        List<Map<String, Object>> out = new ArrayList<>();
        for (BackendPool p : pools) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("healthPath", p.healthCheck() == null ? null : p.healthCheck().path());
            m.put("proxyProtocol", p.proxyProtocol().value());
            m.put("servers", servers(p));
            out.add(m);
        }
        return out;
    }

    /** Servers of a pool no route uses on this node: neither checked nor sent traffic. */
    public static List<Map<String, Object>> unrouted(List<String> servers) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String s : servers) {
            out.add(view(s, "unrouted", null, null, null, false));
        }
        return out;
    }

    static List<Map<String, Object>> servers(BackendPool p) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (BackendServer s : p.servers()) {
            BackendServer.Health h = s.health();
            out.add(view(s.toString(), h.up() ? "up" : "down", h.since().toString(),
                    h.lastCheck() == null ? null : h.lastCheck().toString(), h.lastError(), p.healthCheck() != null));
        }
        return out;
    }

    /**
     * One server: {@code status} up, down or unrouted; {@code since} when the active check last changed
     * its state (or when this node started using it); {@code lastError} the last failure a check or the
     * proxy saw, kept after recovery.
     */
    public static Map<String, Object> view(String server, String status, String since, String lastCheck,
            String lastError, boolean checked) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("server", server);
        m.put("status", status);
        m.put("since", since);
        m.put("lastCheck", lastCheck);
        m.put("lastError", lastError);
        m.put("checked", checked);
        return m;
    }
}
