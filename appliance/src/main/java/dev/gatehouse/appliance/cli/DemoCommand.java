package dev.gatehouse.appliance.cli;

import dev.gatehouse.tls.acme.InMemoryChallengeStore;
import dev.gatehouse.tls.backend.BackendPool;
import dev.gatehouse.tls.backend.BackendServer;
import dev.gatehouse.tls.backend.HealthCheckSpec;
import dev.gatehouse.tls.backend.Router;
import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.PemBundleParser;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.server.EdgeConfig;
import dev.gatehouse.tls.server.EdgeServer;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse demo}: one node on loopback with a generated CA, three demo tenants and two
 * built-in backends, then prints the commands that show SNI at work.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a single node on loopback with demo tenants and a built-in backend.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--https-port", defaultValue = "8443", description = "HTTPS port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int httpsPort;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--dir", defaultValue = "var/demo", description = "where the demo CA certificate is written (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--exit-after", hidden = true, description = "stop after this many seconds (tests)")
    long exitAfterSeconds;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        DemoPki pki = DemoPki.create("Gatehouse Demo CA");
        Path caFile = dir.resolve("ca.crt");
        Files.write(caFile, Pem.certificates(List.of(pki.caCertificate())));

        EdgeConfig config = EdgeConfig.builder()
                .httpsAddress(new InetSocketAddress("127.0.0.1", httpsPort))
                .httpAddress(new InetSocketAddress("127.0.0.1", httpPort))
                .drainTimeout(Duration.ofSeconds(2))
                .build();
        SslContextFactory tls = new SslContextFactory(true, true, config.sessionTimeout().toSeconds());
        CertificateRegistry registry = new CertificateRegistry(tls, config.maxContexts());
        Instant now = Instant.now();
        put(registry, "tenant-a", pki.issueEc("demo.tenant-a.test"), now);
        put(registry, "tenant-b", pki.issueEc("*.tenant-b.test"), now);
        put(registry, "tenant-c-ecdsa", pki.issueEc("shop.tenant-c.test"), now);
        put(registry, "tenant-c-rsa", pki.issueRsa(2048, "shop.tenant-c.test"), now);

        EchoBackend b1 = EchoBackend.start("demo-backend-1", "127.0.0.1", 0);
        EchoBackend b2 = EchoBackend.start("demo-backend-2", "127.0.0.1", 0);
        BackendPool pool = new BackendPool("demo", List.of(new BackendServer("127.0.0.1", b1.port()),
                new BackendServer("127.0.0.1", b2.port())), BackendPool.Policy.ROUND_ROBIN,
                HealthCheckSpec.of("/healthz"), Duration.ofSeconds(5));
        EdgeServer edge = new EdgeServer(config, registry, new InMemoryChallengeStore());
        edge.setRouter(Router.builder().defaultPool(pool).build());
        edge.start();

        String ca = caFile.toString();
        int p = edge.httpsPort();
        System.out.printf("""

                Gatehouse demo is up: HTTPS on 127.0.0.1:%1$d, HTTP on 127.0.0.1:%2$d, TLS by %3$s, %4$d certificates.
                Tenants: demo.tenant-a.test (ECDSA), *.tenant-b.test (ECDSA wildcard), shop.tenant-c.test (ECDSA + RSA).
                Backends: 127.0.0.1:%5$s and 127.0.0.1:%6$s (round-robin, health-checked). Demo CA: %7$s

                Try, in another terminal:
                  curl --cacert %7$s --resolve demo.tenant-a.test:%1$d:127.0.0.1 https://demo.tenant-a.test:%1$d/
                  curl --http2 --cacert %7$s --resolve app.tenant-b.test:%1$d:127.0.0.1 https://app.tenant-b.test:%1$d/hello
                  openssl s_client -connect 127.0.0.1:%1$d -servername shop.tenant-c.test -CAfile %7$s </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer
                  openssl s_client -connect 127.0.0.1:%1$d -servername shop.tenant-c.test -sigalgs RSA-PSS+SHA256 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 </dev/null 2>/dev/null | openssl x509 -noout -text | grep 'Public Key Algorithm'
                  openssl s_client -connect 127.0.0.1:%1$d -servername unknown.example </dev/null     # refused: unrecognized_name alert
                  curl -i -H 'Host: demo.tenant-a.test' http://127.0.0.1:%2$d/some/path                # 308 to https

                Ctrl-C stops it (gracefully).
                """, p, edge.httpPort(), tls.providerName(), registry.size(), b1.port(), b2.port(), ca);
        System.out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            edge.close();
            b1.close();
            b2.close();
            stopped.countDown();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "gatehouse-shutdown"));
        if (exitAfterSeconds > 0) {
            Thread.sleep(exitAfterSeconds * 1000);
            System.exit(0);
        }
        stopped.await();
        return 0;
    }

    private static void put(CertificateRegistry registry, String id, DemoPki.Issued issued, Instant now)
            throws Exception {
        CertificateBundle b = PemBundleParser.parse(id, Pem.certificates(issued.chain()),
                Pem.privateKey(issued.key()), now);
        registry.put(b);
    }
}
