package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.accesslog.AccessLog;
import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.ServiceContext;
import dev.gatehouse.appliance.domains.DomainService;
import dev.gatehouse.appliance.events.Events;
import dev.gatehouse.appliance.events.WebhookDelivery;
import dev.gatehouse.appliance.logging.LogFormat;
import dev.gatehouse.appliance.metrics.MetricsPart;
import dev.gatehouse.appliance.ocsp.OcspFetcher;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.grid.GridStore;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.server.EdgeServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Gatehouse node: a short list of parts, started in the order of {@code boot()} and closed in
 * exactly the reverse order by one {@link Lifecycle}. Each part owns its wiring in its own class:
 *
 * <ol>
 *   <li>{@code keys}: data directory, its lock, the sealing keys ({@link KeysPart})</li>
 *   <li>{@code store}: the local durable snapshot ({@link StorePart})</li>
 *   <li>{@code observers}: metrics registry and access log, before the first request ({@link ObserversPart})</li>
 *   <li>{@code engine}: TLS registry and edge server, kept in step with the store ({@link EnginePart})</li>
 *   <li>{@code cluster}: grid, grid store and ticket keys; or the tombstone pruner alone ({@link ClusterPart})</li>
 *   <li>{@code events}: lifecycle events and webhook subscriptions ({@link EventsPart})</li>
 *   <li>{@code ha}: membership and VIPs ({@link HaPart})</li>
 *   <li>{@code listeners}: routing built and listeners bound ({@link EnginePart#listen})</li>
 *   <li>{@code services}: tokens, domains, tenants, certificates, audit ({@link ServicesPart})</li>
 *   <li>{@code acme}: expiry watch, ACME scheduler, on-demand issuance ({@link AcmePart})</li>
 *   <li>{@code console}: the console API ({@link ConsolePart})</li>
 *   <li>{@code metrics}: the {@code /metrics} listener ({@link MetricsPart})</li>
 *   <li>{@code webhooks}: webhook delivery on the lease holder ({@link EventsPart#deliver})</li>
 *   <li>{@code ocsp}: OCSP fetching on the lease holder ({@link EnginePart#fetchOcsp})</li>
 * </ol>
 *
 * <p>The node reports ready after the last part. A part whose start fails closes the parts started
 * before it, last first, and the error names it ({@link PartStartException}).
 *
 * <p><b>Stopping</b> has one step before the reverse close: {@code stepDown}. The VIPs are handed
 * to a peer while this node's listeners still answer (make-before-break), so a stopping node gives
 * its addresses away before it stops answering on them; only then do the parts close, last first:
 * the lease holders give their leases up at once (OCSP, webhooks), metrics and console stop
 * answering, the listeners drain ({@code proxy.drainTimeout}), VIPs still held are released before
 * the node leaves the view, and the store closes last but the keys' lock.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);
    private static final Duration STEP_DOWN = Duration.ofSeconds(3);

    private final GatehouseConfig config;
    /** Revisions, tombstone expiry and the last sync with the cluster (see {@link StoreClock}). */
    private final Clock storeClock;
    private final long startedAt = System.currentTimeMillis();
    private final Lifecycle parts = new Lifecycle("node");
    private volatile boolean ready;
    private boolean closed;
    // the parts, each written once by the starting thread; volatile where other threads read them
    // while the later parts start (store events, console requests, metrics scrapes)
    private KeysPart keys;
    private StorePart store;
    private ObserversPart observers;
    private EnginePart engine;
    private volatile ClusterPart cluster;
    private EventsPart events;
    private volatile HaPart ha;
    private ServicesPart services;
    private AcmePart acme;
    private volatile ConsolePart console;
    private volatile WebhookDelivery webhooks;

    private Node(GatehouseConfig config, Clock storeClock) {
        this.config = config;
        this.storeClock = storeClock;
    }

    /** Starts a node on the system clock (shifted by {@code -Dgatehouse.debug.storeClockOffset}, see {@link StoreClock}). */
    public static Node start(GatehouseConfig config) throws Exception {
        return start(config, StoreClock.fromSystemProperties());
    }

    /** Starts a node whose store runs on {@code storeClock} (tests move it past the tombstone lifetime). */
    public static Node start(GatehouseConfig config, Clock storeClock) throws Exception {
        Node n = new Node(config, storeClock);
        try {
            n.boot();
        } catch (Exception | Error e) {
            // the parts started are closed already, last first; the node was never ready, so it holds no VIP
            SystemdNotify.stopping();
            throw e;
        }
        return n;
    }

    private void boot() throws Exception {
        long t0 = System.nanoTime();
        // logback started with logback.xml before the file was read: switch the line format now
        LogFormat.apply(config.logging().format());
        keys = parts.start("keys", () -> KeysPart.open(config));
        store = parts.start("store", () -> StorePart.open(config, keys, storeClock));
        observers = parts.start("observers", () -> ObserversPart.start(config, store.local()));
        engine = parts.start("engine", () -> EnginePart.load(config, store.local(), this::shared,
                observers.observer()));
        cluster = parts.start("cluster", () -> ClusterPart.join(config.cluster(), store.local(), keys.sealer(),
                engine.registry()));
        events = parts.start("events", () -> EventsPart.start(config, cluster));
        ha = parts.start("ha", () -> HaPart.join(config, events.clusterEvents(), this::nodeProblem, engine.edge()));
        parts.start("listeners", engine::listen);
        services = parts.start("services", () -> ServicesPart.start(config, keys.dataDir(), shared(),
                engine.claims(), events.events()));
        acme = parts.start("acme", () -> AcmePart.start(config, shared(), cluster, services, events.events(),
                engine.claims(), engine.registry(), engine.edge().metrics()));
        console = parts.start("console", () -> ConsolePart.start(new ConsolePart.Wiring(config, keys.dataDir(),
                store.local(), cluster, engine, observers, events, services, acme), this::status, this::isReady));
        parts.start("metrics", this::startMetrics);
        webhooks = parts.start("webhooks",
                () -> events.deliver(cluster.leases(config.node().name(), Clock.systemUTC())));
        parts.start("ocsp", () -> engine.fetchOcsp(shared(), cluster.leases(config.node().name(), Clock.systemUTC())));
        parts.start("catch-up", () -> {
            catchUp(); // a failure (an interrupt) closes the parts started, like any part's
            return null;
        });
        ready = true;
        engine.registry().startPreloading();
        SystemdNotify.ready();
        log.info("event=node_ready node={} certificates={} from_store={} https={} console={} tls={} ready_ms={}",
                config.node().name(), engine.registry().size(), engine.servedFromStore(), edge().httpsPort(),
                console.port(), engine.tlsName(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Waits until the engine has seen everything start-up wrote or received: the grid events queued
     * (this node's first push, others' writes during the join) applied to the snapshot, and every store
     * change reached its listeners. Start-up writes (a claim list of an earlier release migrated, the
     * admin token) are delivered by whichever thread is delivering already, so {@code put} returns
     * before the engine serves what they changed; a node that said ready then took VIPs while still
     * serving only part of its certificates (283,116 of 1,000,000 at ready in the 1M run). Unbounded
     * on purpose: a slow catch-up is logged every 10 s, and systemd's start timeout bounds the start.
     */
    private void catchUp() throws InterruptedException, ExecutionException {
        long t0 = System.nanoTime();
        GridStore grid = cluster.gridStore();
        Future<?> applied = grid == null ? null : grid.eventsApplied();
        while (true) {
            boolean gridDone = applied == null || waitFor(applied, Duration.ofSeconds(10));
            if (gridDone && store.local().awaitChangesDelivered(Duration.ofSeconds(10))) {
                break;
            }
            log.info("event=node_catching_up grid_events_applied={} store_changes_queued={} certificates={} "
                    + "waited_ms={}", gridDone, store.local().changesQueued(), engine.registry().size(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms >= 1000) {
            log.info("event=node_caught_up certificates={} waited_ms={}", engine.registry().size(), ms);
        }
    }

    /** True once {@code f} completed within {@code max}; false when it is still running. */
    private static boolean waitFor(Future<?> f, Duration max)
            throws InterruptedException, ExecutionException {
        try {
            f.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    private MetricsPart startMetrics() throws Exception {
        MetricsPart m = observers.metrics().start(new MetricsPart.Sources(config.node().name(), edge(),
                store.local(), this::shared, cluster.gridStore(), ha == null ? null : ha::view,
                ha == null ? null : ha.vips(), acme.scheduler(), acme.managed(), acme.onDemand(),
                this::healthProblem, this::isReady));
        if (engine.staples() != null && m.registry() != null) {
            engine.staples().bindTo(m.registry());
        }
        return m;
    }

    /** Where services read and write: the grid store once clustered, the local store before and alone. */
    private Store shared() {
        ClusterPart c = cluster;
        return c == null ? store.local() : c.store();
    }

    /** Why the node itself may not own VIPs now (null: it may): snapshot loaded, listener and I/O threads alive. */
    private String nodeProblem() {
        if (!ready) {
            return "starting (certificate snapshot and listeners not ready)";
        }
        // 5 s: an overloaded loop runs its heartbeat late but runs it; only a stuck loop misses it this long
        return edge().problem(Duration.ofSeconds(5));
    }

    /** {@link #nodeProblem}, then the gateway's when HA checks one. */
    private String healthProblem() {
        HaPart h = ha;
        return h == null ? nodeProblem() : h.healthProblem();
    }

    private Map<String, Object> status(Principal who) {
        return new NodeStatus(config, startedAt, ready, keys, store, engine, cluster, ha, events, services, acme,
                console, webhooks).of(who);
    }

    public boolean isReady() {
        return ready && edge().listening();
    }

    public EdgeServer edge() {
        return engine.edge();
    }

    /** The access log (its counters: dropped, written), or null when {@code accessLog.enabled} is false. */
    public AccessLog accessLog() {
        return observers.accessLog();
    }

    public FileStore store() {
        return store.local();
    }

    /** The grid store when clustered, or null. */
    public GridStore gridStore() {
        return cluster.gridStore();
    }

    public TenantService tenants() {
        return services.tenants();
    }

    public TokenService tokens() {
        return services.tokens();
    }

    public DomainService domains() {
        return services.domains();
    }

    public CertificateService certificates() {
        return services.certificates();
    }

    /** The store, audit log and clock the control-plane services share. */
    public ServiceContext serviceContext() {
        return services.context();
    }

    public Events events() {
        return events.events();
    }

    public int consolePort() {
        return console.port();
    }

    /** The metrics listener's port, or -1 when {@code metrics.enabled: false}. */
    public int metricsPort() {
        return observers.metrics().port();
    }

    /** The {@code /metrics} URL, or null when metrics are disabled. */
    public String metricsUrl() {
        return observers.metrics().url();
    }

    /** The observer of the data plane's request and handshake records (metrics, then the access log). */
    public RequestObserver requestObserver() {
        return observers.observer();
    }

    public Path consoleCertificate() {
        return config.node().dataDir().resolve("console").resolve("console.crt");
    }

    /** Steps down (VIPs handed over while the listeners answer), then closes every part, last started first. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        SystemdNotify.stopping();
        HaPart h = ha;
        if (h != null) {
            h.stepDown(STEP_DOWN);
        }
        ready = false;
        for (Lifecycle.CloseFailure f : parts.closeAll()) {
            log.warn("event=node_part_close_failed node={} part={} cause={}", config.node().name(), f.part(),
                    f.cause().toString(), f.cause());
        }
    }
}
