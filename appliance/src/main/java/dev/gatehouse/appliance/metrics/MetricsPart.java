package dev.gatehouse.appliance.metrics;

import dev.gatehouse.appliance.Version;
import dev.gatehouse.appliance.acme.AcmeScheduler;
import dev.gatehouse.appliance.acme.ManagedCertificates;
import dev.gatehouse.appliance.acme.OnDemand;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.cluster.grid.GridStore;
import dev.gatehouse.cluster.membership.MembershipView;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.vip.VipManager;
import dev.gatehouse.tls.observe.RequestObserver;
import dev.gatehouse.tls.server.EdgeServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's metrics: one Prometheus registry, the {@link MetricsObserver} the data plane reports
 * requests and handshakes to, meters over the engine, cluster and ACME state, the JVM's meters,
 * and the {@code /metrics} listener. Created before the engine starts (so the observer sees the
 * first request), {@linkplain #start started} once the node's parts exist, closed first.
 */
public final class MetricsPart implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsPart.class);
    /** GC pauses: 1 ms .. 10 s, with a bucket at the default failure-detection timeout (600 ms). */
    private static final double[] GC_BUCKETS_NANOS = {1e6, 5e6, 10e6, 25e6, 50e6, 100e6, 250e6, 500e6, 600e6, 1e9, 2e9,
        3e9, 5e9, 10e9};

    /** What the meters read, from the node (nullable parts: not running on this node). */
    public record Sources(String nodeName, EdgeServer edge, FileStore localStore, Supplier<Store> store,
            GridStore grid, Supplier<MembershipView> view, VipManager vips, AcmeScheduler acme,
            ManagedCertificates managed, OnDemand onDemand, Supplier<String> healthProblem, BooleanSupplier ready) {
    }

    private final GatehouseConfig.Metrics config;
    private final PrometheusMeterRegistry registry;
    private final RequestObserver observer;
    private JvmGcMetrics gc;
    private EngineMeters engine;
    private ClusterMeters cluster;
    private MetricsServer server;

    private MetricsPart(GatehouseConfig.Metrics config, PrometheusMeterRegistry registry, RequestObserver observer) {
        this.config = config;
        this.registry = registry;
        this.observer = observer;
    }

    /**
     * The registry and the observer (nothing listens yet). Disabled: an observer that observes
     * nothing and no registry.
     *
     * @param certificates tenants are read from the local store's certificate records (an in-memory map)
     */
    public static MetricsPart create(GatehouseConfig.Metrics config, FileStore certificates) {
        if (!config.enabled()) {
            return new MetricsPart(config, null, RequestObserver.NONE);
        }
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        r.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig c) {
                if ("jvm.gc.pause".equals(id.getName())) {
                    return DistributionStatisticConfig.builder().serviceLevelObjectives(GC_BUCKETS_NANOS).build()
                            .merge(c);
                }
                return c;
            }
        });
        MetricsObserver o = new MetricsObserver(r, config.tenantLabels(), config.hostLabels(),
                id -> certificates.record(RecordKinds.CERTIFICATES, id).map(CertificateRecord::tenant).orElse(null));
        return new MetricsPart(config, r, o);
    }

    /** The observer to hand the data plane (combine with others by {@link RequestObserver#both}). */
    public RequestObserver observer() {
        return observer;
    }

    /** Binds the meters over {@code s} and opens the listener. */
    public MetricsPart start(Sources s) throws IOException {
        if (registry == null) {
            return this;
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        Gauge.builder("gatehouse.node.info", () -> 1).tags("node", s.nodeName(), "version", Version.current())
                .description("Always 1; the labels tell the node's name and version").register(registry);
        Gauge.builder("gatehouse.node.ready", s.ready(), b -> b.getAsBoolean() ? 1 : 0)
                .description("1 once the node serves (store loaded, listeners bound, console up)").register(registry);
        Gauge.builder("gatehouse.node.healthy", s.healthProblem(), p -> p.get() == null ? 1 : 0)
                .description("1 when the node may own VIPs (listener bound, I/O threads alive, gateway reachable)")
                .register(registry);
        Gauge.builder("gatehouse.cluster.enabled", () -> s.grid() != null ? 1 : 0)
                .description("1 when the node runs clustered").register(registry);
        if (observer instanceof MetricsObserver m) {
            dev.gatehouse.tls.sni.CertificateRegistry certificates = s.edge().registry();
            m.hostBuckets(certificates::servedPattern);
        }
        engine = new EngineMeters(registry, s.edge(), s.localStore(), s.store());
        cluster = new ClusterMeters(registry, s);
        byte[] token = token();
        server = MetricsServer.start(config.listen(), token, config.allow(), this::scrape);
        log.info("event=metrics_listening address={}:{} token={} allow={} tenant_labels={} host_labels={}",
                config.listen().getAddress().getHostAddress(), server.port(), token != null, config.allow(),
                config.tenantLabels(), config.hostLabels());
        return this;
    }

    private byte[] token() throws IOException {
        if (config.token() != null) {
            return config.token().getBytes(StandardCharsets.UTF_8);
        }
        Path f = config.tokenFile();
        if (f == null) {
            return null;
        }
        if (!Files.isReadable(f)) {
            throw new IOException("metrics.tokenFile: " + f + " is not readable (expected: a file holding the "
                    + "bearer token Prometheus sends)");
        }
        String t = Files.readString(f, StandardCharsets.UTF_8).trim();
        if (t.length() < 16) {
            throw new IOException("metrics.tokenFile: " + f + " holds " + t.length() + " characters (expected: a "
                    + "token of at least 16)");
        }
        return t.getBytes(StandardCharsets.UTF_8);
    }

    /** One scrape: refresh what is computed per scrape, then write every series. Scrape thread only. */
    void scrape(OutputStream out, String contentType) throws IOException {
        engine.refresh();
        cluster.refresh();
        registry.scrape(out, contentType);
    }

    /** The registry, or null when metrics are disabled. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The bound listener port, or -1 when metrics are disabled. */
    public int port() {
        return server == null ? -1 : server.port();
    }

    /** The scrape URL, or null when metrics are disabled. */
    public String url() {
        return server == null ? null
                : "http://" + config.listen().getAddress().getHostAddress() + ":" + server.port() + "/metrics";
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (gc != null) {
            gc.close();
        }
        if (registry != null) {
            registry.close();
        }
    }
}
