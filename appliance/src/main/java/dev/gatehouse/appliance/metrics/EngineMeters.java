package dev.gatehouse.appliance.metrics;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.metrics.EdgeMetrics;
import dev.gatehouse.tls.server.EdgeServer;
import dev.gatehouse.tls.sni.CertificateRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The data plane's state as series: connections, the engine's event counters, TLS context cache,
 * certificates, backend pools and event-loop lag. What is cheap is read at scrape time by
 * function meters; what needs a pass over the certificates or the pools is computed once per scrape
 * in {@link #refresh()} (called on the scrape thread, which is its only writer).
 */
final class EngineMeters {

    /** How many of the soonest-expiring certificates get their own {@code not_after} series. */
    static final int SOONEST = 20;
    private static final double NANOS = 1e9;
    private static final List<String> ALWAYS = List.of("connections.accepted", "handshake.ok",
            "http.responses.2xx", "http.responses.5xx");

    private final MeterRegistry registry;
    private final EdgeServer edge;
    private final FileStore local;
    private final Supplier<Store> store;
    private final Set<String> edgeEvents = new HashSet<>();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong notServed = new AtomicLong();
    private final AtomicLong within7 = new AtomicLong();
    private final AtomicLong within21 = new AtomicLong();
    private final MultiGauge notAfter;
    private final MultiGauge backendUp;
    private final MultiGauge backendConnections;
    private final MultiGauge backendOutstanding;
    private final MultiGauge poolHealthy;
    private final MultiGauge poolServers;
    /** Rows handed to the multi-gauges, kept strongly reachable until the next refresh. */
    private List<Object> rows = List.of();
    /** Counter values last seen on each live backend object (pools are rebuilt when routes change). */
    private Map<Object, long[]> lastSeen = new IdentityHashMap<>();
    private final Map<String, Counter[]> serverCounters = new HashMap<>();
    private final Map<String, Counter> poolRetries = new HashMap<>();

    EngineMeters(MeterRegistry registry, EdgeServer edge, FileStore local, Supplier<Store> store) {
        this.registry = registry;
        this.edge = edge;
        this.local = local;
        this.store = store;
        EdgeMetrics em = edge.metrics();
        CertificateRegistry certs = edge.registry();
        FunctionCounter.builder("gatehouse.connections.accepted", em, m -> m.get("connections.accepted"))
                .description("Client connections accepted on the HTTPS listener").register(registry);
        Gauge.builder("gatehouse.connections.open", edge, EdgeServer::openConnections)
                .description("Client connections open now (HTTPS and port 80)").register(registry);
        Gauge.builder("gatehouse.http.inflight", edge, EdgeServer::inflight)
                .description("Requests being proxied now").register(registry);
        FunctionCounter.builder("gatehouse.tls.context.lookups", certs, c -> c.contextStats().hits())
                .tag("result", "hit").description("Handshakes by whether their certificate's key material (BoringSSL) or TLS context (JDK) was cached")
                .register(registry);
        FunctionCounter.builder("gatehouse.tls.context.lookups", certs, c -> c.contextStats().misses())
                .tag("result", "miss").register(registry);
        FunctionCounter.builder("gatehouse.tls.context.evictions", certs, c -> c.contextStats().evictions())
                .description("Key materials (or JDK contexts) evicted from the bounded cache (tls.maxContexts)").register(registry);
        FunctionTimer.builder("gatehouse.tls.context.builds", certs, c -> c.contextStats().builds(),
                c -> c.contextStats().buildNanos(), TimeUnit.NANOSECONDS)
                .description("Key materials (or JDK contexts) built, and the time spent building them").register(registry);
        Gauge.builder("gatehouse.tls.contexts.cached", certs, CertificateRegistry::cachedContexts)
                .description("Key materials (or JDK contexts) built and cached now").register(registry);
        Gauge.builder("gatehouse.certificates", served, AtomicLong::get).tag("state", "served")
                .description("Certificates by state: served by SNI, stored but not served, rejected on load")
                .register(registry);
        Gauge.builder("gatehouse.certificates", notServed, AtomicLong::get).tag("state", "not_served")
                .register(registry);
        Gauge.builder("gatehouse.certificates", this, EngineMeters::rejected).tag("state", "rejected")
                .register(registry);
        Gauge.builder("gatehouse.certificates.expiring", within7, AtomicLong::get).tag("within", "7d")
                .description("Served certificates expiring within 7 and 21 days").register(registry);
        Gauge.builder("gatehouse.certificates.expiring", within21, AtomicLong::get).tag("within", "21d")
                .register(registry);
        notAfter = MultiGauge.builder("gatehouse.certificate.not.after.seconds")
                .description("Expiry (epoch seconds) of the " + SOONEST + " soonest-expiring served certificates")
                .register(registry);
        backendUp = MultiGauge.builder("gatehouse.backend.up")
                .description("1 when the backend server is healthy (active checks pass, not ejected)").register(registry);
        backendConnections = MultiGauge.builder("gatehouse.backend.connections")
                .description("Backend connections open now, busy (active) or parked for reuse (idle)").register(registry);
        backendOutstanding = MultiGauge.builder("gatehouse.backend.outstanding.requests")
                .description("Requests sent to the backend server and not yet answered").register(registry);
        poolHealthy = MultiGauge.builder("gatehouse.pool.healthy.servers")
                .description("Healthy servers of the pool (0: the pool answers 503)").register(registry);
        poolServers = MultiGauge.builder("gatehouse.pool.servers").description("Servers of the pool")
                .register(registry);
        registerProxyProtocol(em);
        long[] ages = edge.loopHeartbeatAgesNanos();
        for (int i = 0; i < ages.length; i++) {
            int loop = i;
            // the heartbeat runs every 100 ms: beyond that, the loop is late by the difference
            Gauge.builder("gatehouse.event.loop.lag.seconds", edge,
                    e -> Math.max(0, e.loopHeartbeatAgesNanos()[loop] - 100_000_000L) / NANOS)
                    .tag("loop", String.valueOf(loop))
                    .description("How late the I/O thread runs its 100 ms heartbeat task").register(registry);
        }
        refresh();
    }

    /**
     * {@code gatehouse_proxy_protocol_headers_total{command=proxy|local}} and
     * {@code gatehouse_proxy_protocol_refused_total{reason=...}}, every reason from the start (0, not "no data").
     */
    private void registerProxyProtocol(EdgeMetrics em) {
        FunctionCounter.builder("gatehouse.proxy.protocol.headers", em, m -> m.get(EdgeMetrics.PROXY_PROTOCOL_ACCEPTED))
                .tag("command", "proxy")
                .description("PROXY protocol headers accepted from trusted sources (local: the balancer's own checks)")
                .register(registry);
        FunctionCounter.builder("gatehouse.proxy.protocol.headers", em, m -> m.get(EdgeMetrics.PROXY_PROTOCOL_LOCAL))
                .tag("command", "local").register(registry);
        for (EdgeMetrics.ProxyProtocolRefusal reason : EdgeMetrics.ProxyProtocolRefusal.values()) {
            String name = reason.metricName();
            FunctionCounter.builder("gatehouse.proxy.protocol.refused", em, m -> m.get(name))
                    .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Connections closed at their PROXY protocol header: from an untrusted source, "
                            + "malformed or missing, timed out, or closed mid-header")
                    .register(registry);
        }
    }

    private double rejected() {
        return local.loadProblems().size() + edge.metrics().get("store.rejected_entries");
    }

    /** Recomputes what needs a pass over certificates or pools. Scrape thread only. */
    void refresh() {
        List<Object> keep = new ArrayList<>();
        exportEdgeEvents();
        refreshCertificates(keep);
        refreshBackends(keep);
        rows = keep;
    }

    /** Every {@link EdgeMetrics} counter as {@code gatehouse_edge_events_total{event=...}}, so nothing is lost. */
    private void exportEdgeEvents() {
        EdgeMetrics em = edge.metrics();
        Set<String> names = new java.util.TreeSet<>(em.snapshot().keySet());
        names.addAll(ALWAYS); // zeros from the start: a dashboard shows 0, not "no data"
        for (String name : names) {
            if (edgeEvents.add(name)) {
                FunctionCounter.builder("gatehouse.edge.events", em, m -> m.get(name)).tag("event", name)
                        .description("The engine's event counters (as in /v1/status counters)").register(registry);
            }
        }
    }

    private void refreshCertificates(List<Object> keep) {
        CertificateRegistry certs = edge.registry();
        List<CertificateBundle> all = certs.bundles();
        served.set(all.size());
        long missing = 0;
        for (CertificateRecord r : store.get().certificates()) {
            if (certs.get(r.id()).isEmpty()) {
                missing++;
            }
        }
        notServed.set(missing);
        Instant now = Instant.now();
        Instant d7 = now.plus(Duration.ofDays(7));
        Instant d21 = now.plus(Duration.ofDays(21));
        long n7 = 0;
        long n21 = 0;
        // the SOONEST earliest: a max-heap of that size, one pass
        PriorityQueue<CertificateBundle> soonest = new PriorityQueue<>(
                Comparator.comparing(CertificateBundle::notAfter).reversed());
        for (CertificateBundle b : all) {
            if (b.notAfter().isBefore(d7)) {
                n7++;
            }
            if (b.notAfter().isBefore(d21)) {
                n21++;
            }
            soonest.add(b);
            if (soonest.size() > SOONEST) {
                soonest.poll();
            }
        }
        within7.set(n7);
        within21.set(n21);
        List<MultiGauge.Row<?>> r = new ArrayList<>();
        for (CertificateBundle b : soonest) {
            r.add(MultiGauge.Row.of(Tags.of("certificate", b.id(), "name", b.names().isEmpty() ? "" : b.names().get(0)),
                    (Number) b.notAfter().getEpochSecond()));
        }
        keep.addAll(r);
        notAfter.register(r, true);
    }

    private void refreshBackends(List<Object> keep) {
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        List<MultiGauge.Row<?>> conns = new ArrayList<>();
        List<MultiGauge.Row<?>> outstanding = new ArrayList<>();
        List<MultiGauge.Row<?>> healthy = new ArrayList<>();
        List<MultiGauge.Row<?>> sizes = new ArrayList<>();
        Map<Object, long[]> seen = new IdentityHashMap<>();
        Set<String> done = new HashSet<>();
        for (BackendPool pool : edge.router().pools()) {
            if (!done.add(pool.name())) {
                continue;
            }
            int ok = 0;
            for (BackendServer s : pool.servers()) {
                Tags t = Tags.of("pool", pool.name(), "server", s.toString());
                boolean h = s.healthy();
                ok += h ? 1 : 0;
                up.add(MultiGauge.Row.of(t, (Number) (h ? 1 : 0)));
                int idle = Math.max(0, s.idleConnections());
                conns.add(MultiGauge.Row.of(t.and("state", "idle"), (Number) idle));
                conns.add(MultiGauge.Row.of(t.and("state", "active"),
                        (Number) Math.max(0, s.openConnections() - idle)));
                outstanding.add(MultiGauge.Row.of(t, (Number) s.outstanding()));
                long[] now = {s.connectErrors(), s.ejections(), s.connectionsOpened(), s.connectionsReused()};
                advance(serverCounters(pool.name(), s.toString()), lastSeen.get(s), now);
                seen.put(s, now);
            }
            Tags pt = Tags.of("pool", pool.name());
            healthy.add(MultiGauge.Row.of(pt, (Number) ok));
            sizes.add(MultiGauge.Row.of(pt, (Number) pool.servers().size()));
            long[] r = {pool.retries()};
            advance(new Counter[] {poolRetries.computeIfAbsent(pool.name(), p -> Counter.builder("gatehouse.pool.retries")
                    .description("Requests retried on another server of the pool").tag("pool", p).register(registry))},
                    lastSeen.get(pool), r);
            seen.put(pool, r);
        }
        lastSeen = seen;
        for (List<MultiGauge.Row<?>> l : List.of(up, conns, outstanding, healthy, sizes)) {
            keep.addAll(l);
        }
        backendUp.register(up, true);
        backendConnections.register(conns, true);
        backendOutstanding.register(outstanding, true);
        poolHealthy.register(healthy, true);
        poolServers.register(sizes, true);
    }

    /** Adds what a live object counted since the last scrape (a new object counts from zero). */
    private static void advance(Counter[] counters, long[] before, long[] now) {
        for (int i = 0; i < counters.length; i++) {
            long d = now[i] - (before == null ? 0 : before[i]);
            if (d > 0) {
                counters[i].increment(d);
            }
        }
    }

    private Counter[] serverCounters(String pool, String server) {
        return serverCounters.computeIfAbsent(pool + '\n' + server, k -> new Counter[] {
            Counter.builder("gatehouse.backend.connect.errors").description("Failed connection attempts to the server")
                    .tags("pool", pool, "server", server).register(registry),
            Counter.builder("gatehouse.backend.ejections")
                    .description("Passive ejections of the server after a failed connection")
                    .tags("pool", pool, "server", server).register(registry),
            Counter.builder("gatehouse.backend.connections.opened").description("Backend connections opened")
                    .tags("pool", pool, "server", server).register(registry),
            Counter.builder("gatehouse.backend.connections.reused")
                    .description("Requests sent on a reused keep-alive connection (reuse ratio: reused / (reused + opened))")
                    .tags("pool", pool, "server", server).register(registry)});
    }
}
