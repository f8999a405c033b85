package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.Version;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.events.WebhookDelivery;
import dev.gatehouse.appliance.observe.KeyStatus;
import dev.gatehouse.appliance.observe.PoolHealth;
import dev.gatehouse.tls.server.EdgeServer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /v1/status}: everything for an admin token, each section read from the part that owns it;
 * a tenant token sees only its own objects. Built per request from the parts started so far (the
 * console answers before the last parts start: those not started yet are null).
 */
record NodeStatus(GatehouseConfig config, long startedAt, boolean ready, KeysPart keys, StorePart store,
        EnginePart engine, ClusterPart cluster, HaPart ha, EventsPart events, ServicesPart services, AcmePart acme,
        ConsolePart console, WebhookDelivery delivery) {

    Map<String, Object> of(Principal who) {
        if (!who.admin()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", Version.current());
            m.put("ready", ready);
            m.putAll(services.tenants().status(who.tenant(), config.acme().expiryWarning()));
            return m;
        }
        return admin();
    }

    private Map<String, Object> admin() {
        EdgeServer edge = engine.edge();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", config.node().name());
        m.put("version", Version.current());
        m.put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000);
        m.put("ready", ready);
        m.put("tls", engine.tlsName());
        m.put("transport", edge.transportName());
        Map<String, Object> listeners = new LinkedHashMap<>();
        listeners.put("https", config.listeners().https().getAddress().getHostAddress() + ":" + edge.httpsPort());
        listeners.put("http", edge.httpPort() < 0 ? "off"
                : config.listeners().http().getAddress().getHostAddress() + ":" + edge.httpPort());
        listeners.put("console", config.console().listen().getAddress().getHostAddress() + ":" + console.port());
        m.put("listeners", listeners);
        m.put("certificates", engine.registry().size());
        m.put("storedCertificates", cluster.store().certificates().size());
        m.put("rejectedStoreEntries", store.local().loadProblems().size()
                + edge.metrics().get("store.rejected_entries"));
        m.put("keys", KeyStatus.of(keys.sources(), store.local(), cluster.gridStore()));
        Map<String, Object> c = cluster.status();
        if (c != null) {
            if (ha != null) {
                ha.status(c);
            }
            m.put("cluster", c);
        }
        m.put("events", events.status(delivery));
        m.put("acme", acme.scheduler().status());
        m.put("expiringCertificates", acme.expiry().status());
        m.put("pools", PoolHealth.all(edge.router()));
        m.put("cachedTlsContexts", engine.registry().cachedContexts());
        m.put("inflightRequests", edge.inflight());
        m.put("counters", edge.metrics().snapshot());
        return m;
    }
}
