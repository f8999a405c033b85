package dev.gatehouse.appliance.node;

import dev.gatehouse.appliance.Version;
import dev.gatehouse.appliance.acme.SharedChallengeStore;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.core.NodeLeases;
import dev.gatehouse.appliance.domains.ClaimIndex;
import dev.gatehouse.appliance.ocsp.OcspFetcher;
import dev.gatehouse.appliance.ocsp.OcspStaples;
import dev.gatehouse.appliance.policy.PolicySync;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.cert.CertificateDirectory;
import dev.gatehouse.tls.cert.CertificateParseException;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.proxy.ProxySettings;
import dev.gatehouse.tls.server.EdgeConfig;
import dev.gatehouse.tls.server.EdgeServer;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane, loaded but not yet listening, and kept in step with the store: the TLS contexts
 * and certificate registry (certificate directories first), the edge server, the claim index, the
 * hostname policies, the store-to-registry sync ({@link StoreSync}) and, with {@code ocsp.enabled},
 * the staples. Everything listens to the local store, so whatever the cluster part later brings in
 * reaches the engine. {@link #listen} builds the routing and binds the listeners (the
 * {@code listeners} part) and {@link #fetchOcsp} starts the {@code ocsp} part; closing this part
 * stops the staples and releases the TLS contexts.
 */
final class EnginePart implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EnginePart.class);

    private final GatehouseConfig config;
    /** The store routing is read from: the local one until the node joins its cluster, the grid's after. */
    private final Supplier<Store> store;
    private final SslContextFactory tls;
    private final CertificateRegistry registry;
    private final EdgeServer edge;
    private ClaimIndex claims;
    private PolicySync policySync;
    private OcspStaples staples;
    private int served;

    private EnginePart(GatehouseConfig config, Supplier<Store> store, RequestObserver observer) {
        this.config = config;
        this.store = store;
        GatehouseConfig.Tls t = config.tls();
        this.tls = new SslContextFactory(t.preferNative(), t.http2(), t.sessionTimeout().toSeconds());
        this.registry = new CertificateRegistry(tls, t.maxContexts());
        // key material is built ahead of handshakes once the node is ready (Node), not while it loads
        // and joins: the builds would compete with the load for the CPU
        registry.deferPreloading();
        // port 80 answers HTTP-01 from the store: the grid's once clustered, so any node answers any token
        this.edge = new EdgeServer(edgeConfig(config), registry, new SharedChallengeStore(store, Clock.systemUTC()),
                observer);
    }

    /** Loads the certificate directories, then the store's certificates and policies into the engine. */
    static EnginePart load(GatehouseConfig config, FileStore local, Supplier<Store> store, RequestObserver observer)
            throws IOException {
        EnginePart e = new EnginePart(config, store, observer);
        try {
            e.loadDirectories();
            e.follow(local);
        } catch (IOException | RuntimeException | Error x) {
            e.close();
            throw x;
        }
        return e;
    }

    private void loadDirectories() throws IOException {
        for (Path dir : config.tls().certificateDirs()) {
            CertificateDirectory.Result r = CertificateDirectory.load(dir, Instant.now(),
                    Runtime.getRuntime().availableProcessors());
            registry.putAll(r.bundles());
            for (CertificateParseException x : r.errors()) {
                log.warn("event=certificate_skipped dir={} bundle={} reason={} detail={}", dir, x.label(), x.reason(),
                        x.detail());
            }
        }
    }

    private void follow(FileStore local) {
        // the claim index listens first: the sync below serves a certificate for the names verified then
        claims = new ClaimIndex(local);
        // hostname policies: compiled into the engine now and on every change (written here or replicated)
        policySync = new PolicySync(local, edge.policies(), this::rebuildRouter);
        policySync.sync();
        local.addListener(policySync);
        StoreSync sync = new StoreSync(local, claims, registry, edge.metrics(), this::rebuildRouter);
        served = sync.loadAll();
        local.addListener(sync);
        if (config.ocsp().enabled()) {
            // after the sync: a certificate is in the registry before its staple is looked at
            staples = new OcspStaples(local, registry, Clock.systemUTC());
            local.addListener(staples);
            staples.start(30);
        }
        registry.setDefault(config.tls().defaultCertificate());
    }

    /** Builds the routing and binds the listeners; returns once they accept connections. Closing drains them. */
    EdgeServer listen() throws InterruptedException {
        rebuildRouter();
        return edge.start();
    }

    /**
     * Starts fetching OCSP responses on the node holding the fetch lease (the {@code ocsp} part, after
     * start-up); null when {@code ocsp.enabled} is false. Closing gives the lease up.
     */
    OcspFetcher fetchOcsp(Store shared, NodeLeases leases) {
        GatehouseConfig.Ocsp o = config.ocsp();
        if (!o.enabled()) {
            return null;
        }
        return new OcspFetcher(shared, leases, new OcspFetcher.Settings(o.interval(), o.leaseTtl(), o.timeout(),
                o.retryMin(), o.retryMax(), o.minRefresh(), o.allowPrivateResponders()),
                Clock.systemUTC(), "Gatehouse/" + Version.current(), staples::fetched).start();
    }

    /** Routing from the file overlaid by the store's pools and routes (see {@link RoutingOverlay}). */
    synchronized void rebuildRouter() {
        Router router = RoutingOverlay.build(config, store.get(), edge.router(),
                policySync == null ? Set.of() : policySync.originPools());
        edge.setRouter(router);
    }

    EdgeServer edge() {
        return edge;
    }

    CertificateRegistry registry() {
        return registry;
    }

    ClaimIndex claims() {
        return claims;
    }

    PolicySync policies() {
        return policySync;
    }

    /** The OCSP staples, or null when {@code ocsp.enabled} is false. */
    OcspStaples staples() {
        return staples;
    }

    /** The TLS provider's name ({@code BoringSSL}, {@code JDK}). */
    String tlsName() {
        return tls.providerName();
    }

    /** How many stored certificates were served when the engine loaded. */
    int servedFromStore() {
        return served;
    }

    @Override
    public void close() {
        if (staples != null) {
            staples.close();
        }
        registry.close();
    }

    private static EdgeConfig edgeConfig(GatehouseConfig config) {
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
}
