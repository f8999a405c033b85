package dev.gatehouse.tls.testing;

import dev.gatehouse.tls.acme.InMemoryChallengeStore;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.proxy.ProxySettings;
import dev.gatehouse.tls.server.EdgeConfig;
import dev.gatehouse.tls.server.EdgeServer;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A running engine on loopback (ephemeral ports) with a test CA and one echo backend routed as the
 * default pool. Close it at the end.
 */
public final class TestEdge implements AutoCloseable {

    public final TestPki pki = new TestPki();
    public final EchoBackend backend;
    public final CertificateRegistry registry;
    public final EdgeServer edge;
    public final TlsProbe probe;
    public final Path caFile;

    public TestEdge() throws Exception {
        this(b -> b);
    }

    public TestEdge(UnaryOperator<EdgeConfig.Builder> tune) throws Exception {
        this(tune, dev.gatehouse.tls.observe.RequestObserver.NONE);
    }

    public TestEdge(UnaryOperator<EdgeConfig.Builder> tune, dev.gatehouse.tls.observe.RequestObserver observer)
            throws Exception {
        backend = EchoBackend.start("backend-1", "127.0.0.1", 0);
        EdgeConfig config = tune.apply(EdgeConfig.builder()
                .httpsAddress(new InetSocketAddress("127.0.0.1", 0))
                .httpAddress(new InetSocketAddress("127.0.0.1", 0))
                .ioThreads(2)
                .drainTimeout(Duration.ofSeconds(5))
                .proxy(ProxySettings.defaults())).build();
        registry = new CertificateRegistry(new SslContextFactory(config.preferNativeTls(), config.http2(), 300),
                config.maxContexts());
        edge = new EdgeServer(config, registry, new InMemoryChallengeStore(), observer);
        edge.setRouter(Router.builder().defaultPool(BackendPool.of("default",
                new BackendServer("127.0.0.1", backend.port()))).build());
        edge.start();
        probe = new TlsProbe(pki.caPem());
        caFile = Files.createTempFile("gatehouse-ca", ".crt");
        Files.write(caFile, pki.caPem());
    }

    public int port() {
        return edge.httpsPort();
    }

    /** Serves a new ECDSA certificate for {@code names} (signed by {@link #pki}) under {@code id}. */
    public void serveEc(String id, String... names) {
        registry.put(pki.ec(id, names));
    }

    /** Serves a new RSA certificate for {@code names} (signed by {@link #pki}) under {@code id}. */
    public void serveRsa(String id, String... names) {
        registry.put(pki.rsa(id, names));
    }

    @Override
    public void close() throws IOException {
        edge.shutdownGracefully(Duration.ofSeconds(2));
        backend.close();
        registry.close();
        Files.deleteIfExists(caFile);
    }
}
