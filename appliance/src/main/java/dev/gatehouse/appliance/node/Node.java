package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.Version;
import dev.gatehouse.appliance.auth.AuditLog;
import dev.gatehouse.appliance.auth.TokenService;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.certs.UploadPolicy;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.console.ConsoleApi;
import dev.gatehouse.appliance.console.ConsoleCertificate;
import dev.gatehouse.appliance.console.ConsoleServer;
import dev.gatehouse.appliance.tenants.TenantService;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.cert.CertificateDirectory;
import dev.gatehouse.tls.cert.CertificateParseException;
import dev.gatehouse.tls.proxy.ProxySettings;
import dev.gatehouse.tls.server.EdgeConfig;
import dev.gatehouse.tls.server.EdgeServer;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Gatehouse node: the durable store, the data plane kept in step with it, and the console API.
 * Start order: store (keys open or entries are rejected) → engine loaded → listeners bound →
 * console; the node reports ready only after that.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final GatehouseConfig config;
    /** Revisions, tombstone expiry and the last sync with the cluster (see {@link StoreClock}). */
    private final Clock storeClock;
    private final long startedAt = System.currentTimeMillis();
    private dev.gatehouse.cluster.store.Store store;
    private FileStore localStore;
    private com.hazelcast.core.HazelcastInstance grid;
    private dev.gatehouse.cluster.grid.GridStore gridStore;
    private dev.gatehouse.cluster.grid.TicketKeyShare ticketKeys;
    private dev.gatehouse.cluster.membership.Controller controller;
    private dev.gatehouse.cluster.membership.Membership membership;
    private volatile dev.gatehouse.cluster.membership.MembershipView view =
            dev.gatehouse.cluster.membership.MembershipView.none();
    private CertificateRegistry registry;
    private SslContextFactory tls;
    private EdgeServer edge;
    private dev.gatehouse.appliance.accesslog.AccessLog accessLog;
    /** Held while the node runs: no second process writes this data directory (see {@link DataDirLock}). */
    private DataDirLock dataLock;
    /** Key id → where it is configured, sealing key first (for the status' keys section). */
    private Map<String, String> keySources = Map.of();
    private ConsoleServer console;
    private AuditLog audit;
    private TokenService tokens;
    private TenantService tenants;
    private dev.gatehouse.appliance.domains.ClaimIndex claims;
    private dev.gatehouse.appliance.domains.DomainService domains;
    private CertificateService certificates;
    private dev.gatehouse.appliance.acme.AcmeScheduler acmeScheduler;
    private dev.gatehouse.appliance.acme.ExpiryWatch expiry;
    private volatile boolean ready;
    private dev.gatehouse.cluster.vip.VipManager vips;
    private dev.gatehouse.cluster.vip.GatewayCheck gateway;

    private java.util.concurrent.ScheduledExecutorService pruner;
    private dev.gatehouse.appliance.metrics.MetricsPart metrics;
    /** What the data plane reports each request and handshake to: the metrics and the access log. */
    private dev.gatehouse.tls.observe.RequestObserver observer = dev.gatehouse.tls.observe.RequestObserver.NONE;
    private dev.gatehouse.appliance.acme.ManagedCertificates managed;
    private dev.gatehouse.appliance.acme.OnDemand onDemand;
    private dev.gatehouse.appliance.events.Events events;
    private dev.gatehouse.appliance.events.WebhookService webhooks;
    private dev.gatehouse.appliance.events.WebhookDelivery webhookDelivery;
    private dev.gatehouse.appliance.events.ClusterEvents clusterEvents;
    private dev.gatehouse.appliance.policy.PolicySync policySync;
    /** OCSP: staples on every node, fetches on the lease holder (see dev.gatehouse.appliance.ocsp). */
    private dev.gatehouse.appliance.ocsp.OcspStaples ocspStaples;
    private dev.gatehouse.appliance.ocsp.OcspFetcher ocspFetcher;

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
            n.close();
            throw e;
        }
        return n;
    }

    private void boot() throws Exception {
        long t0 = System.nanoTime();
        // logback started with logback.xml before the file was read: switch the line format now
        dev.gatehouse.appliance.logging.LogFormat.apply(config.logging().format());
        Path data = config.node().dataDir();
        Files.createDirectories(data);
        try {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | IOException e) {
            log.warn("event=data_dir_permissions dir={} cause={}", data, e.toString());
        }
        dataLock = DataDirLock.acquire(data);
        Sealer sealer = NodeKeys.sealer(config);
        keySources = NodeKeys.sources(config);
        if (System.getProperty(StoreClock.PROPERTY) != null) {
            log.warn("event=store_clock_offset property={} offset={} reason=debug property set: revisions and tombstone "
                    + "expiry run on a shifted clock", StoreClock.PROPERTY, System.getProperty(StoreClock.PROPERTY));
        }
        localStore = FileStore.open(data, sealer, storeClock, config.store().tombstoneTtl());
        store = localStore;

        metrics = dev.gatehouse.appliance.metrics.MetricsPart.create(config.metrics(), localStore);
        observer = dev.gatehouse.tls.observe.RequestObserver.both(metrics.observer(), observer);

        GatehouseConfig.Tls t = config.tls();
        tls = new SslContextFactory(t.preferNative(), t.http2(), t.sessionTimeout().toSeconds());
        registry = new CertificateRegistry(tls, t.maxContexts());
        for (Path dir : t.certificateDirs()) {
            CertificateDirectory.Result r = CertificateDirectory.load(dir, Instant.now(),
                    Runtime.getRuntime().availableProcessors());
            registry.putAll(r.bundles());
            for (CertificateParseException e : r.errors()) {
                log.warn("event=certificate_skipped dir={} bundle={} reason={} detail={}", dir, e.label(), e.reason(),
                        e.detail());
            }
        }
        // port 80 answers HTTP-01 from the store: the grid's once clustered, so any node answers any token
        if (config.accessLog().enabled()) {
            accessLog = dev.gatehouse.appliance.accesslog.AccessLog.start(config.accessLog(), config.node().name(),
                    new dev.gatehouse.appliance.accesslog.TenantLookup(localStore));
            observer = dev.gatehouse.tls.observe.RequestObserver.both(observer, accessLog);
        }
        // every request and handshake record goes to the metrics, then to the access log
        edge = new EdgeServer(edgeConfig(), registry,
                new dev.gatehouse.appliance.acme.SharedChallengeStore(() -> store, Clock.systemUTC()), observer);
        // the claim index listens first: the sync below serves a certificate for the names verified then
        claims = new dev.gatehouse.appliance.domains.ClaimIndex(localStore);
        // hostname policies: compiled into the engine now and on every change (written here or replicated)
        policySync = new dev.gatehouse.appliance.policy.PolicySync(localStore, edge.policies(), this::rebuildRouter);
        policySync.sync();
        localStore.addListener(policySync);
        StoreSync sync = new StoreSync(store, claims, registry, edge.metrics(), this::rebuildRouter);
        int served = sync.loadAll();
        store.addListener(sync);
        if (config.ocsp().enabled()) {
            // after the sync: a certificate is in the registry before its staple is looked at
            ocspStaples = new dev.gatehouse.appliance.ocsp.OcspStaples(localStore, registry, Clock.systemUTC());
            localStore.addListener(ocspStaples);
            ocspStaples.start(30);
        }
        registry.setDefault(t.defaultCertificate());
        GatehouseConfig.Cluster cl = config.cluster();
        if (cl.enabled()) {
            // join, catch up with the grid (events flow into the local snapshot and the engine), then serve
            grid = dev.gatehouse.cluster.grid.Grid.start(new dev.gatehouse.cluster.grid.GridSettings(cl.name(),
                    cl.bind().getAddress().getHostAddress(), cl.bind().getPort(), cl.members()));
            Sealer clusterSealer = sealer;
            gridStore = new dev.gatehouse.cluster.grid.GridStore(grid, localStore, clusterSealer).start();
            store = gridStore;
            startEvents(); // before the membership: its first view is reported
            ticketKeys = new dev.gatehouse.cluster.grid.TicketKeyShare(grid, clusterSealer, cl.ticketKeyRotation(),
                    registry::ticketKeys).start();
            if (cl.membership() != null) {
                startMembership(cl);
            }
        } else {
            // clustered, the grid store's passes forget expired tombstones; a single node does it hourly
            pruner = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread th = new Thread(r, "gatehouse-tombstone-pruner");
                th.setDaemon(true);
                return th;
            });
            pruner.scheduleWithFixedDelay(localStore::pruneTombstones, 1, 1, java.util.concurrent.TimeUnit.HOURS);
        }
        if (events == null) {
            startEvents();
        }
        rebuildRouter();
        edge.start();

        audit = new AuditLog(data.resolve("audit.log"));
        Clock clock = Clock.systemUTC();
        tokens = new TokenService(store, clock);
        GatehouseConfig.Acme ac = config.acme();
        domains = new dev.gatehouse.appliance.domains.DomainService(store, claims, audit,
                new dev.gatehouse.appliance.domains.DomainService.Settings(ac.txtLabel(), ac.target(), ac.dnsRetry(),
                        ac.dnsRetryMax(), ac.dnsAttempts(), config.claims().pendingTtl()),
                new dev.gatehouse.appliance.domains.DnsChecker(ac.resolvers(), ac.target(), Duration.ofSeconds(5)),
                clock);
        tenants = new TenantService(store, domains, tokens, audit, clock);
        int migrated = tenants.migrateClaimLists();
        if (migrated > 0) {
            audit.record(null, "domain.migrate", "domains", migrated + " claim(s) of earlier releases verified as "
                    + "migrated", null);
        }
        certificates = new CertificateService(store, claims, new UploadPolicy(t.minRsaBits(), t.allowedCurves()),
                clock);
        domains.events(events);
        certificates.events(events);
        webhooks = new dev.gatehouse.appliance.events.WebhookService(store, events, clock,
                config.events().allowPrivateTargets());
        if (tokens.bootstrapAdmin(data.resolve("admin.token"))) {
            audit.record(null, "token.create", "tokens/admin", "ok", null);
        }
        ConsoleApi api = new ConsoleApi(new ConsoleApi.Services(tokens, tenants, domains, certificates,
                new dev.gatehouse.appliance.routing.RoutingService(store, this::rebuildRouter), audit),
                this::status, this::isReady, startAcme(), new ConsoleApi.Observe(
                        new dev.gatehouse.appliance.logging.LogLevels(),
                        new dev.gatehouse.appliance.observe.SniExplainer(config.node().name(), registry, localStore,
                                claims, grid, Duration.ofSeconds(3)),
                        pool -> dev.gatehouse.appliance.observe.PoolHealth.of(edge.router(), pool)));
        if (accessLog != null) {
            api.accessLogReopen(accessLog::reopenAndWait);
        }
        api.events(new dev.gatehouse.appliance.console.EventRoutes(events, webhooks));
        api.policies(new dev.gatehouse.appliance.console.DomainPolicyResource(
                new dev.gatehouse.appliance.policy.PolicyService(store, config.policy().tenants(), this::poolExists,
                        clock, policySync::sync)));
        if (ocspStaples != null) {
            api.ocsp(ocspStaples::status);
        }
        Path[] consoleCert = ConsoleCertificate.ensure(data, config.node().name(),
                config.console().listen().getAddress());
        console = new ConsoleServer(api, config.console())
                .start(config.console().listen(), consoleCert[0].toFile(), consoleCert[1].toFile());
        metrics.start(new dev.gatehouse.appliance.metrics.MetricsPart.Sources(config.node().name(), edge, localStore,
                () -> store, gridStore, membership == null ? null : () -> view, vips, acmeScheduler, managed, onDemand,
                this::healthProblem, this::isReady));
        if (ocspStaples != null && metrics.registry() != null) {
            ocspStaples.bindTo(metrics.registry());
        }
        GatehouseConfig.Events ev = config.events();
        webhookDelivery = new dev.gatehouse.appliance.events.WebhookDelivery(store, events, grid != null
                ? new dev.gatehouse.cluster.lease.GridLeases(grid, clock)
                : new dev.gatehouse.cluster.lease.LocalLeases(clock), config.node().name(),
                new dev.gatehouse.appliance.events.WebhookDelivery.Settings(ev.deliveryInterval(),
                        ev.deliveryLeaseTtl(), ev.deliveryTimeout(), ev.retryMin(), ev.retryMax(),
                        ev.allowPrivateTargets()),
                clock, "Gatehouse/" + Version.current()).start();
        startOcspFetcher(clock);
        ready = true;
        SystemdNotify.ready();
        log.info("event=node_ready node={} certificates={} from_store={} https={} console={} tls={} ready_ms={}",
                config.node().name(), registry.size(), served, edge.httpsPort(), console.port(), tls.providerName(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Fetches OCSP responses on the node holding the fetch lease (grid lease when clustered); after start-up. */
    private void startOcspFetcher(Clock clock) {
        GatehouseConfig.Ocsp o = config.ocsp();
        if (!o.enabled()) {
            return;
        }
        ocspFetcher = new dev.gatehouse.appliance.ocsp.OcspFetcher(store, grid != null
                ? new dev.gatehouse.cluster.lease.GridLeases(grid, clock)
                : new dev.gatehouse.cluster.lease.LocalLeases(clock), config.node().name(),
                new dev.gatehouse.appliance.ocsp.OcspFetcher.Settings(o.interval(), o.leaseTtl(), o.timeout(),
                        o.retryMin(), o.retryMax(), o.minRefresh(), o.allowPrivateResponders()),
                clock, "Gatehouse/" + Version.current(), ocspStaples::fetched).start();
    }

    /**
     * The cluster's lifecycle events (through the store: the grid's once clustered), with cursors
     * from the grid's sequence when clustered, and the reporter of cluster facts (membership, VIPs).
     */
    private void startEvents() {
        GatehouseConfig.Events ev = config.events();
        events = new dev.gatehouse.appliance.events.Events(store, config.node().name(), Clock.systemUTC(),
                new dev.gatehouse.appliance.events.Events.Settings(ev.maxEvents(), ev.maxAge(), Duration.ofSeconds(5),
                        Math.max(1, config.console().workerThreads() / 2)));
        if (grid != null) {
            dev.gatehouse.appliance.events.Events e = events;
            events.useSequence(dev.gatehouse.appliance.events.EventSequence.grid(grid, e::highWater));
        }
        clusterEvents = new dev.gatehouse.appliance.events.ClusterEvents(events, config.node().name());
    }

    /**
     * The expiry watch on every node and, with {@code acme.enabled}, domain verification and the
     * ACME scheduler, which runs on the one node holding the scheduler lease (grid lease when
     * clustered). Returns the console's view of it, or null when ACME is off.
     */
    private dev.gatehouse.appliance.console.AcmeServices startAcme() {
        GatehouseConfig.Acme ac = config.acme();
        Clock clock = Clock.systemUTC();
        expiry = new dev.gatehouse.appliance.acme.ExpiryWatch(store, ac.expiryWarning(), clock);
        if (ac.enabled()) {
            managed = new dev.gatehouse.appliance.acme.ManagedCertificates(store, domains, certificates, ac,
                    config.node().name(), clock, grid != null);
        }
        dev.gatehouse.cluster.lease.Leases leases = grid != null
                ? new dev.gatehouse.cluster.lease.GridLeases(grid, clock)
                : new dev.gatehouse.cluster.lease.LocalLeases(clock);
        acmeScheduler = new dev.gatehouse.appliance.acme.AcmeScheduler(ac, leases, config.node().name(), domains,
                managed, expiry);
        // certificate.expiring once per cluster: by the scheduler lease holder
        expiry.events(events, acmeScheduler::holdsLease);
        if (managed != null) {
            managed.events(events);
        }
        acmeScheduler.start();
        if (ac.enabled() && ac.onDemand()) {
            onDemand = new dev.gatehouse.appliance.acme.OnDemand(store, claims, ac.onDemandPerHour(), edge.metrics(),
                    clock, acmeScheduler::requestOnDemand);
            registry.onMiss(onDemand);
        }
        return ac.enabled() ? new dev.gatehouse.appliance.console.AcmeServices(managed, acmeScheduler::wakeUp) : null;
    }

    /** Joins the JGroups view (it will decide VIP ownership); views arrive on the controller thread. */
    private void startMembership(GatehouseConfig.Cluster cl) throws Exception {
        GatehouseConfig.Membership m = cl.membership();
        if (!Files.exists(m.secretFile())) {
            throw new IOException("cluster.membership.secretFile: " + m.secretFile() + " does not exist (expected: at "
                    + "least 16 random bytes, the same on every node)");
        }
        byte[] secret = Files.readAllBytes(m.secretFile());
        if (m.ha() != null) {
            createVipManager(m.ha());
        }
        controller = dev.gatehouse.cluster.membership.Controller.named("gatehouse-membership");
        membership = dev.gatehouse.cluster.membership.Membership.connect(
                dev.gatehouse.cluster.membership.MembershipSettings.builder()
                        .clusterName(cl.name())
                        .nodeName(config.node().name())
                        .bind(cl.bind().getAddress().getHostAddress(), m.port())
                        .peers(m.peers())
                        .secret(secret)
                        .heartbeatInterval(m.heartbeat())
                        .failureTimeout(m.failureTimeout())
                        .verifyTimeout(m.verifyTimeout())
                        .build(),
                controller, new dev.gatehouse.cluster.membership.MembershipListener() {
                    @Override
                    public void viewChanged(dev.gatehouse.cluster.membership.MembershipView v) {
                        view = v;
                        log.info("event=membership_view view={} members={}", v.id(), v.names());
                        clusterEvents.viewChanged(v);
                        if (vips != null) {
                            vips.viewChanged(v);
                        }
                    }

                    @Override
                    public void messageReceived(String from, byte[] payload) {
                        if (vips != null) {
                            vips.messageReceived(from, payload);
                        }
                    }
                });
        if (vips != null) {
            vips.start(controller, membership::broadcast);
        }
    }

    /** The VIP manager (created before the channel connects so that it sees the first view). */
    private void createVipManager(GatehouseConfig.Ha ha) throws Exception {
        if (ha.gateway() != null) {
            gateway = dev.gatehouse.cluster.vip.GatewayCheck.start(java.net.InetAddress.getByName(ha.gateway()),
                    Duration.ofSeconds(1), Duration.ofMillis(500), 3);
        }
        dev.gatehouse.cluster.vip.VipSettings settings = dev.gatehouse.cluster.vip.VipSettings.defaults(
                config.node().name(), VipDrivers.vips(ha),
                ha.failback() == null ? dev.gatehouse.cluster.vip.Failback.disabled()
                        : dev.gatehouse.cluster.vip.Failback.after(ha.failback()))
                .withSettle(ha.settle()).withHandover(ha.handover());
        vips = dev.gatehouse.cluster.vip.VipManager.create(settings, VipDrivers.open(ha), this::healthProblem,
                Clock.systemUTC());
        vips.onMove(clusterEvents::vipTaken);
    }

    /** Why this node may not own VIPs now (null: it may): snapshot loaded, listener and I/O threads alive, gateway. */
    private String healthProblem() {
        if (!ready) {
            return "starting (certificate snapshot and listeners not ready)";
        }
        // 5 s: an overloaded loop runs its heartbeat late but runs it; only a stuck loop misses it this long
        String p = edge.problem(Duration.ofSeconds(5));
        if (p == null && gateway != null) {
            p = gateway.problem();
        }
        return p;
    }

    private EdgeConfig edgeConfig() {
        GatehouseConfig.Listeners l = config.listeners();
        GatehouseConfig.Tls t = config.tls();
        GatehouseConfig.Proxy p = config.proxy();
        ProxySettings proxy = new ProxySettings(8192, p.maxHeaderBytes(), p.maxBodyBytes(), p.connectTimeout(),
                p.requestTimeout(), p.idleTimeout(), p.headerTimeout(), p.trustedProxies());
        return EdgeConfig.builder()
                .httpsAddress(l.https())
                .httpAddress(l.http())
                .publicHttpsPort(l.publicHttpsPort())
                .redirectToHttps(l.redirectHttp())
                .monitor(l.monitorPath(), config.node().name())
                .proxyProtocol(l.proxyProtocol())
                .ioThreads(l.ioThreads())
                .maxClientHelloLength(t.maxClientHelloBytes())
                .handshakeTimeout(t.handshakeTimeout())
                .maxContexts(t.maxContexts())
                .preferNativeTls(t.preferNative())
                .http2(t.http2())
                .sessionTimeout(t.sessionTimeout())
                .drainTimeout(p.drainTimeout())
                .proxy(proxy)
                .dns(config.dns())
                .build();
    }

    /** Routing from the file overlaid by the store's pools and routes (see {@link RoutingOverlay}). */
    private synchronized void rebuildRouter() {
        Router router = RoutingOverlay.build(config, store, edge == null ? null : edge.router(),
                policySync == null ? java.util.Set.of() : policySync.originPools());
        if (edge != null) {
            edge.setRouter(router);
        }
    }

    /** Whether a pool of that name exists: the configuration file's or one managed through the API. */
    private boolean poolExists(String name) {
        return config.pools().stream().anyMatch(p -> p.name().equals(name))
                || store.pools().stream().anyMatch(p -> p.name().equals(name));
    }

    /** {@code /v1/status}: everything for an admin token; a tenant token sees only its own objects. */
    private Map<String, Object> status(dev.gatehouse.appliance.auth.Principal who) {
        if (!who.admin()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", Version.current());
            m.put("ready", ready);
            m.putAll(tenants.status(who.tenant(), config.acme().expiryWarning()));
            return m;
        }
        return status();
    }

    private Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", config.node().name());
        m.put("version", Version.current());
        m.put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000);
        m.put("ready", ready);
        m.put("tls", tls.providerName());
        m.put("transport", edge.transportName());
        Map<String, Object> listeners = new LinkedHashMap<>();
        listeners.put("https", config.listeners().https().getAddress().getHostAddress() + ":" + edge.httpsPort());
        listeners.put("http", edge.httpPort() < 0 ? "off"
                : config.listeners().http().getAddress().getHostAddress() + ":" + edge.httpPort());
        listeners.put("console", config.console().listen().getAddress().getHostAddress() + ":" + console.port());
        m.put("listeners", listeners);
        m.put("certificates", registry.size());
        m.put("storedCertificates", store.certificates().size());
        m.put("rejectedStoreEntries", localStore.loadProblems().size() + edge.metrics().get("store.rejected_entries"));
        m.put("keys", dev.gatehouse.appliance.observe.KeyStatus.of(keySources, localStore, gridStore));
        if (grid != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", config.cluster().name());
            c.put("members", grid.getCluster().getMembers().stream().map(mb -> mb.getAddress().toString()).toList());
            c.put("rejectedGridEntries", gridStore.rejectedEntries());
            long synced = gridStore.syncedAt();
            c.put("syncedAt", synced < 0 ? null : Instant.ofEpochMilli(synced).toString());
            c.put("prunedGridTombstones", gridStore.prunedGridTombstones());
            if (membership != null) {
                dev.gatehouse.cluster.membership.MembershipView v = view;
                Map<String, Object> mv = new LinkedHashMap<>();
                mv.put("view", v.id());
                mv.put("members", v.names());
                mv.put("coordinator", v.coordinator().map(dev.gatehouse.cluster.membership.MembershipView.Member::name)
                        .orElse(null));
                c.put("membership", mv);
                if (vips != null) {
                    c.put("ha", vips.status());
                }
            }
            m.put("cluster", c);
        }
        if (events != null) {
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("cursor", String.valueOf(events.highWater()));
            ev.put("webhooks", webhooks == null ? 0 : webhooks.count());
            ev.put("deliveryHere", webhookDelivery != null && webhookDelivery.holdsLease());
            m.put("events", ev);
        }
        if (acmeScheduler != null) {
            m.put("acme", acmeScheduler.status());
            m.put("expiringCertificates", expiry.status());
        }
        m.put("pools", dev.gatehouse.appliance.observe.PoolHealth.all(edge.router()));
        m.put("cachedTlsContexts", registry.cachedContexts());
        m.put("inflightRequests", edge.inflight());
        m.put("counters", edge.metrics().snapshot());
        return m;
    }

    public boolean isReady() {
        return ready && edge.listening();
    }

    public EdgeServer edge() {
        return edge;
    }

    /** The access log (its counters: dropped, written), or null when {@code accessLog.enabled} is false. */
    public dev.gatehouse.appliance.accesslog.AccessLog accessLog() {
        return accessLog;
    }

    public FileStore store() {
        return localStore;
    }

    /** The grid store when clustered, or null. */
    public dev.gatehouse.cluster.grid.GridStore gridStore() {
        return gridStore;
    }

    public TenantService tenants() {
        return tenants;
    }

    public TokenService tokens() {
        return tokens;
    }

    public dev.gatehouse.appliance.domains.DomainService domains() {
        return domains;
    }

    public CertificateService certificates() {
        return certificates;
    }

    public dev.gatehouse.appliance.events.Events events() {
        return events;
    }

    public int consolePort() {
        return console.port();
    }

    /** The metrics listener's port, or -1 when {@code metrics.enabled: false}. */
    public int metricsPort() {
        return metrics.port();
    }

    /** The {@code /metrics} URL, or null when metrics are disabled. */
    public String metricsUrl() {
        return metrics.url();
    }

    /** The observer of the data plane's request and handshake records (metrics, then the access log). */
    public dev.gatehouse.tls.observe.RequestObserver requestObserver() {
        return observer;
    }

    public Path consoleCertificate() {
        return config.node().dataDir().resolve("console").resolve("console.crt");
    }

    @Override
    public void close() {
        SystemdNotify.stopping();
        if (vips != null) {
            // hand the VIPs over while the listeners still answer, then drain
            vips.stepDown(Duration.ofSeconds(3));
        }
        ready = false;
        if (metrics != null) {
            metrics.close();
        }
        if (onDemand != null) {
            onDemand.close();
        }
        if (webhookDelivery != null) {
            webhookDelivery.close(); // gives the delivery lease up: the next node resumes at once
        }
        if (ocspFetcher != null) {
            ocspFetcher.close(); // gives the fetch lease up
        }
        if (ocspStaples != null) {
            ocspStaples.close();
        }
        if (acmeScheduler != null) {
            acmeScheduler.close();
        }
        if (console != null) {
            console.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (accessLog != null) {
            accessLog.close(); // after the edge: the last requests' lines are written
        }
        if (vips != null) {
            vips.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (membership != null) {
            membership.close();
        }
        if (clusterEvents != null) {
            clusterEvents.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (ticketKeys != null) {
            ticketKeys.close();
        }
        if (pruner != null) {
            pruner.shutdownNow();
        }
        if (gridStore != null) {
            gridStore.close();
        } else if (localStore != null) {
            localStore.close();
        }
        if (grid != null) {
            grid.shutdown();
        }
        if (registry != null) {
            registry.close();
        }
        if (dataLock != null) {
            try {
                dataLock.close();
            } catch (IOException e) {
                log.warn("event=data_lock_release_failed cause={}", e.toString());
            }
        }
    }
}
