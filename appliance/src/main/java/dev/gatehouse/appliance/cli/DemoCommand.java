package dev.gatehouse.appliance.cli;

import dev.gatehouse.appliance.auth.Principal;
import dev.gatehouse.appliance.certs.CertificateService;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.node.Node;
import java.nio.charset.StandardCharsets;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.EchoBackend;
import dev.gatehouse.tls.demo.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Option(names = "--console-port", defaultValue = "9443", description = "console API port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int consolePort;

    @Option(names = "--metrics-port", defaultValue = "9464", description = "Prometheus /metrics port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        Path data = dir.resolve("data");
        deleteTree(data); // the demo CA is new on every run, so is the demo state
        DemoPki pki = DemoPki.create("Gatehouse Demo CA");
        Path caFile = dir.resolve("ca.crt");
        Path accessLog = dir.resolve("access.log").toAbsolutePath();
        Files.write(caFile, Pem.certificates(List.of(pki.caCertificate())));

        EchoBackend b1 = EchoBackend.start("demo-backend-1", "127.0.0.1", 0);
        EchoBackend b2 = EchoBackend.start("demo-backend-2", "127.0.0.1", 0);
        GatehouseConfig config = ConfigLoader.parse("demo", String.join("\n",
                "node: {name: demo, dataDir: '" + data.toAbsolutePath() + "'}",
                "listeners: {https: '127.0.0.1:" + httpsPort + "', http: '127.0.0.1:" + httpPort + "'}",
                "console: {listen: '127.0.0.1:" + consolePort + "'}",
                "metrics: {listen: '127.0.0.1:" + metricsPort + "', tenantLabels: 10, hostLabels: 20}",
                "proxy: {drainTimeout: 2s}",
                "accessLog: {enabled: true, path: '" + accessLog + "'}",
                "pools:",
                "  - name: demo",
                "    servers: ['127.0.0.1:" + b1.port() + "', '127.0.0.1:" + b2.port() + "']",
                "    healthCheck: {path: /healthz, interval: 2s, timeout: 1s}",
                "defaultPool: demo"));
        Node node = Node.start(config);
        dev.gatehouse.appliance.accesslog.HangupSignal.install(() -> node.accessLog().reopen()); // kill -HUP reopens

        Principal admin = new Principal("demo", Principal.ADMIN);
        tenant(node, admin, "tenant-a", "demo.tenant-a.test", pki.issueEc("demo.tenant-a.test"));
        tenant(node, admin, "tenant-b", "*.tenant-b.test", pki.issueEc("*.tenant-b.test"));
        tenant(node, admin, "tenant-c", "shop.tenant-c.test", pki.issueEc("shop.tenant-c.test"));
        upload(node, admin, "tenant-c", pki.issueRsa(2048, "shop.tenant-c.test"));

        String ca = caFile.toString();
        int p = node.edge().httpsPort();
        Path consoleCa = node.consoleCertificate();
        Path token = data.resolve("admin.token");
        System.out.printf("""

                Gatehouse demo is up: HTTPS on 127.0.0.1:%1$d, HTTP on 127.0.0.1:%2$d, console API on 127.0.0.1:%8$d.
                Tenants: demo.tenant-a.test (ECDSA), *.tenant-b.test (ECDSA wildcard), shop.tenant-c.test (ECDSA + RSA).
                Backends: 127.0.0.1:%5$s and 127.0.0.1:%6$s (round-robin, health-checked). Demo CA: %7$s
                TLS by %3$s, %4$d certificates. State in %9$s (recreated on every demo run).
                Access log (one JSON line per request and refused handshake): %12$s

                Try, in another terminal:
                  curl --cacert %7$s --resolve demo.tenant-a.test:%1$d:127.0.0.1 https://demo.tenant-a.test:%1$d/
                  curl --http2 --cacert %7$s --resolve app.tenant-b.test:%1$d:127.0.0.1 https://app.tenant-b.test:%1$d/hello
                  openssl s_client -connect 127.0.0.1:%1$d -servername shop.tenant-c.test -CAfile %7$s </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer
                  openssl s_client -connect 127.0.0.1:%1$d -servername unknown.example </dev/null     # refused: unrecognized_name alert
                  curl -i -H 'Host: demo.tenant-a.test' http://127.0.0.1:%2$d/some/path                # 308 to https

                The console API (admin token in %10$s):
                  curl -s --cacert %11$s -H "Authorization: Bearer $(cat %10$s)" https://127.0.0.1:%8$d/v1/certificates
                  curl -s --cacert %11$s -H "Authorization: Bearer $(cat %10$s)" https://127.0.0.1:%8$d/v1/status
                  tail -f %12$s

                The web console: https://127.0.0.1:%8$d/ui/ (log in with the admin token in %10$s; the browser
                will warn about the node's self-signed console certificate, %11$s)
                Prometheus metrics (plain HTTP, loopback): %13$s
                  curl -s %13$s | grep ^gatehouse_

                Ctrl-C stops it (gracefully).
                """, p, node.edge().httpPort(), node.edge().registry() == null ? "?" : tlsName(node),
                node.edge().registry().size(), b1.port(), b2.port(), ca, node.consolePort(), data, token, consoleCa,
                accessLog, node.metricsUrl() == null ? "off" : node.metricsUrl());
        System.out.flush();

        CountDownLatch stopped = ServeCommand.onShutdown(() -> {
            node.close();
            b1.close();
            b2.close();
        });
        if (exitAfterSeconds > 0) {
            Thread.sleep(exitAfterSeconds * 1000);
            System.exit(0);
        }
        stopped.await();
        return 0;
    }

    private static String tlsName(Node node) {
        return io.netty.handler.ssl.OpenSsl.isAvailable() ? io.netty.handler.ssl.OpenSsl.versionString() : "JDK";
    }

    private static void tenant(Node node, Principal admin, String id, String claim, DemoPki.Issued cert)
            throws Exception {
        node.tenants().create(admin, id, id);
        node.domains().claim(admin, id, claim, true); // the demo operator assigns its own names
        upload(node, admin, id, cert);
    }

    private static void upload(Node node, Principal admin, String tenant, DemoPki.Issued cert) throws Exception {
        node.certificates().upload(admin, new CertificateService.Upload(tenant,
                new String(Pem.certificates(cert.chain()), StandardCharsets.US_ASCII),
                new String(Pem.privateKey(cert.key()), StandardCharsets.US_ASCII), null, null));
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

}
