package dev.gatehouse.appliance.cli;

import dev.gatehouse.tls.acme.InMemoryChallengeStore;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.cert.CertificateDirectory;
import dev.gatehouse.tls.cert.CertificateParseException;
import dev.gatehouse.tls.net.Cidr;
import dev.gatehouse.tls.net.ProxyProtocolSettings;
import dev.gatehouse.tls.server.EdgeConfig;
import dev.gatehouse.tls.server.EdgeServer;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse serve}: one node serving the certificates of some directories. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run a node.",
            "With --config: the appliance (durable store, console API, routes from the file).",
            "Without: a bare data plane serving the certificates of --cert-dir and proxying to --backend (benchmarks)."})
public final class ServeCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--config", description = "the node's configuration file (e.g. /etc/gatehouse/gatehouse.yaml)")
    Path configFile;

    @Option(names = "--https", defaultValue = "0.0.0.0:443", description = "HTTPS listener (default: ${DEFAULT-VALUE})")
    String https;

    @Option(names = "--http", defaultValue = "0.0.0.0:80",
            description = "port-80 listener for ACME challenges and redirects, or 'off' (default: ${DEFAULT-VALUE})")
    String http;

    @Option(names = "--cert-dir",
            description = "directory of certificates: *.pem bundles, pem/*.pem, or certs/NAME.crt + keys/NAME.key")
    List<Path> certDirs = new ArrayList<>();

    @Option(names = "--backend", description = "backend server host:port of the default pool (repeatable)")
    List<String> backends = new ArrayList<>();

    @Option(names = "--policy", defaultValue = "ROUND_ROBIN", description = "ROUND_ROBIN or LEAST_OUTSTANDING")
    BackendPool.Policy policy;

    @Option(names = "--health-path", description = "active health check path of the default pool (e.g. /healthz)")
    String healthPath;

    @Option(names = "--default-cert", description = "bundle id served to clients without SNI or with an unknown name")
    String defaultCert;

    @Option(names = "--io-threads", defaultValue = "0", description = "event loop threads (0 = one per core)")
    int ioThreads;

    @Option(names = "--max-contexts", defaultValue = "10000", description = "certificates whose key material stays built (BoringSSL: ~4 KB native each; JDK: a context each)")
    int maxContexts;

    @Option(names = "--jdk-tls", description = "use the JDK TLS provider instead of BoringSSL")
    boolean jdkTls;

    @Option(names = "--proxy-protocol-from", paramLabel = "CIDR",
            description = "accept (and require) a PROXY protocol v1/v2 header from this network (repeatable)")
    List<String> proxyProtocolFrom = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (configFile != null) {
            return serveConfigured();
        }
        if (certDirs.isEmpty() || backends.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "either --config FILE, or --cert-dir and --backend (bare data plane)");
        }
        long t0 = System.nanoTime();
        EdgeConfig.Builder cfg = EdgeConfig.builder()
                .httpsAddress(EdgeOptions.address("--https", https))
                .httpAddress("off".equals(http) ? null : EdgeOptions.address("--http", http))
                .ioThreads(ioThreads)
                .maxContexts(maxContexts)
                .preferNativeTls(!jdkTls)
                .proxyProtocol(proxyProtocol());
        EdgeConfig config = cfg.build();
        SslContextFactory tls = new SslContextFactory(config.preferNativeTls(), config.http2(),
                config.sessionTimeout().toSeconds());
        CertificateRegistry registry = new CertificateRegistry(tls, config.maxContexts());
        int loaded = 0;
        for (Path dir : certDirs) {
            CertificateDirectory.Result r = CertificateDirectory.load(dir, Instant.now(),
                    Runtime.getRuntime().availableProcessors());
            registry.putAll(r.bundles());
            loaded += r.bundles().size();
            for (CertificateParseException e : r.errors()) {
                log.warn("event=certificate_skipped bundle={} reason={} detail={}", e.label(), e.reason(), e.detail());
            }
        }
        if (defaultCert != null && registry.get(defaultCert).isEmpty()) {
            throw new IllegalArgumentException("--default-cert: '" + defaultCert + "' (expected: a loaded bundle id)");
        }
        registry.setDefault(defaultCert);

        List<BackendServer> servers = new ArrayList<>();
        for (String b : backends) {
            InetSocketAddress a = EdgeOptions.address("--backend", b);
            servers.add(new BackendServer(a.getHostString(), a.getPort()));
        }
        BackendPool pool = new BackendPool("default", servers, policy,
                healthPath == null ? null : HealthCheckSpec.of(healthPath), Duration.ofSeconds(5));
        EdgeServer edge = new EdgeServer(config, registry, new InMemoryChallengeStore());
        edge.setRouter(Router.builder().defaultPool(pool).build());
        edge.start();
        log.info("event=ready certificates={} tls={} ready_ms={}", loaded, tls.providerName(),
                (System.nanoTime() - t0) / 1_000_000);
        awaitShutdown(edge::close);
        return 0;
    }

    private ProxyProtocolSettings proxyProtocol() {
        if (proxyProtocolFrom.isEmpty()) {
            return ProxyProtocolSettings.OFF;
        }
        List<Cidr> from = new ArrayList<>();
        for (String c : proxyProtocolFrom) {
            from.add(Cidr.parse(c).orElseThrow(() -> new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--proxy-protocol-from: '" + c
                    + "' (expected: an IP address or network such as 10.0.0.0/16 or fd00::/8)")));
        }
        return ProxyProtocolSettings.from(from);
    }

    private int serveConfigured() throws Exception {
        dev.gatehouse.appliance.config.GatehouseConfig config;
        try {
            config = dev.gatehouse.appliance.config.ConfigLoader.load(configFile);
        } catch (dev.gatehouse.appliance.config.ConfigException e) {
            System.err.println("gatehouse: refusing to start: " + e.getMessage());
            return 2;
        }
        dev.gatehouse.appliance.node.Node node = dev.gatehouse.appliance.node.Node.start(config);
        if (node.accessLog() != null) {
            // logrotate's postrotate: systemctl kill -s HUP gatehouse (packaging/src/deb/etc/logrotate)
            dev.gatehouse.appliance.accesslog.HangupSignal.install(() -> node.accessLog().reopen());
        }
        awaitShutdown(node::close);
        return 0;
    }

    /** Blocks until the JVM is told to stop (SIGTERM, Ctrl-C), which first runs {@code close}. */
    private static void awaitShutdown(Runnable close) throws InterruptedException {
        onShutdown(close).await();
    }

    /** Runs {@code close} when the JVM is told to stop; the latch opens once it has run. */
    static CountDownLatch onShutdown(Runnable close) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close.run();
            stopped.countDown();
        }, "gatehouse-shutdown"));
        return stopped;
    }
}
