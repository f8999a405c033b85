package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.metrics.EdgeMetrics.HandshakeFailure;
import dev.gatehouse.tls.testing.TestEdgeExtension;
import dev.gatehouse.tls.testing.Tools;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real clients (openssl, curl, the JDK) against a running engine on loopback. */
class SniServingIT {

    @RegisterExtension
    static final TestEdgeExtension EDGE = new TestEdgeExtension(edge -> {
        edge.serveEc("tenant-a", "app.tenant-a.test");
        edge.serveEc("tenant-b", "*.tenant-b.test");
        edge.serveEc("tenant-c-ec", "shop.tenant-c.test");
        edge.serveRsa("tenant-c-rsa", "shop.tenant-c.test");
        edge.serveRsa("tenant-d", "www.tenant-d.test", "tenant-d.test");
    });

    private static Tools.Result sClient(String... extra) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + EDGE.edge().port(),
                "-CAfile", EDGE.edge().caFile.toString(), "-verify_return_error", "-showcerts"));
        cmd.addAll(List.of(extra));
        return Tools.run(cmd, "Q\n".getBytes(StandardCharsets.US_ASCII), 20);
    }

    @ParameterizedTest(name = "openssl -servername {0} gets CN={1} ({2})")
    @CsvSource({
        "app.tenant-a.test, app.tenant-a.test, id-ecPublicKey",
        "APP.TENANT-A.TEST, app.tenant-a.test, id-ecPublicKey",
        "anything.tenant-b.test, *.tenant-b.test, id-ecPublicKey",
        "shop.tenant-c.test, shop.tenant-c.test, id-ecPublicKey",
        "tenant-d.test, www.tenant-d.test, rsaEncryption",
    })
    void servesEachTenantItsCertificateToOpenssl(String sni, String cn, String keyAlg) {
        Tools.require("openssl");
        Tools.Result r = sClient("-servername", sni);
        assertThat(r.stdout()).contains("Verify return code: 0 (ok)");
        assertThat(r.stdout()).containsPattern("s:\\s?CN\\s?=\\s?" + java.util.regex.Pattern.quote(cn));
        Tools.Result text = Tools.run(List.of("openssl", "x509", "-noout", "-text"),
                r.stdout().getBytes(StandardCharsets.US_ASCII), 10);
        assertThat(text.stdout()).contains("Public Key Algorithm: " + keyAlg);
    }

    @Test
    void givesRsaCertificateToClientsWithoutEcdsa() {
        Tools.require("openssl");
        Tools.Result r = sClient("-servername", "shop.tenant-c.test", "-tls1_2",
                "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256");
        assertThat(r.stdout()).contains("Verify return code: 0 (ok)");
        Tools.Result text = Tools.run(List.of("openssl", "x509", "-noout", "-text"),
                r.stdout().getBytes(StandardCharsets.US_ASCII), 10);
        assertThat(text.stdout()).contains("Public Key Algorithm: rsaEncryption");
    }

    @Test
    void refusesUnknownSniWithUnrecognizedNameAlert() {
        Tools.require("openssl");
        long before = EDGE.edge().edge.metrics().handshakeFailures(HandshakeFailure.UNKNOWN_SNI);
        Tools.Result r = sClient("-servername", "unknown.example");
        assertThat(r.all()).contains("alert number 112");
        assertThat(r.stdout()).doesNotContain("BEGIN CERTIFICATE");
        assertThat(EDGE.edge().edge.metrics().handshakeFailures(HandshakeFailure.UNKNOWN_SNI)).isGreaterThan(before);
        Tools.Result sub = sClient("-servername", "a.b.tenant-b.test");
        assertThat(sub.all()).contains("alert number 112");
    }

    @Test
    void refusesMissingSniUnlessDefaultCertificateConfigured() {
        Tools.require("openssl");
        Tools.Result r = sClient("-noservername");
        assertThat(r.all()).contains("alert number 40");
        assertThat(r.stdout()).doesNotContain("BEGIN CERTIFICATE");
        EDGE.edge().registry.setDefault("tenant-a");
        try {
            Tools.Result withDefault = sClient("-noservername");
            assertThat(withDefault.stdout()).contains("BEGIN CERTIFICATE").containsPattern("CN\\s?=\\s?app.tenant-a.test");
        } finally {
            EDGE.edge().registry.setDefault(null);
        }
    }

    @Test
    void refusesTls11() {
        Tools.require("openssl");
        Tools.Result r = sClient("-servername", "app.tenant-a.test", "-tls1_1");
        assertThat(r.stdout()).doesNotContain("BEGIN CERTIFICATE");
    }

    @ParameterizedTest(name = "curl {0}")
    @CsvSource({"--http2, 2", "--http1.1, 1.1"})
    void proxiesThroughCurlWithForwardingHeaders(String flag, String version) {
        Tools.require("curl");
        int port = EDGE.edge().port();
        Tools.Result r = Tools.run(List.of("curl", "-sS", flag, "--cacert", EDGE.edge().caFile.toString(),
                "--resolve", "x.tenant-b.test:" + port + ":127.0.0.1", "-w", "\nhttp_version=%{http_version}\n",
                "https://x.tenant-b.test:" + port + "/some/path?q=1"), null, 20);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout())
                .contains("backend: backend-1")
                .contains("request: GET /some/path?q=1")
                .contains("x-forwarded-for: 127.0.0.1")
                .contains("x-forwarded-proto: https")
                .contains("x-forwarded-port: " + port)
                .contains("forwarded: for=127.0.0.1;proto=https;host=")
                .containsPattern("x-request-id: [0-9a-f]{32}")
                .contains("http_version=" + version);
        assertThat(r.stdout()).doesNotContain("x-http2-");
    }

    @Test
    void servesAThousandCertificates() throws Exception {
        List<CertificateBundle> bundles = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            bundles.add(EDGE.edge().pki.ec("bulk-" + i, "t" + i + ".bulk.test"));
        }
        EDGE.edge().registry.putAll(bundles);
        try {
            for (int k = 0; k < 25; k++) {
                int i = ThreadLocalRandom.current().nextInt(1000);
                X509Certificate leaf = EDGE.edge().probe.leaf(EDGE.edge().port(), "t" + i + ".bulk.test");
                assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=t" + i + ".bulk.test");
            }
            assertThat(EDGE.edge().registry.size()).isGreaterThanOrEqualTo(1000);
        } finally {
            bundles.forEach(b -> EDGE.edge().registry.remove(b.id()));
        }
    }

    @Test
    void servesReplacementOnNextHandshakeAndKeepsEstablishedConnections() throws Exception {
        CertificateBundle first = EDGE.edge().pki.ec("swap", "swap.tenant-e.test");
        EDGE.edge().registry.put(first);
        SSLSocket established = EDGE.edge().probe.connect(EDGE.edge().port(), "swap.tenant-e.test");
        try {
            CertificateBundle second = EDGE.edge().pki.ec("swap", "swap.tenant-e.test");
            EDGE.edge().registry.put(second);
            X509Certificate served = EDGE.edge().probe.leaf(EDGE.edge().port(), "swap.tenant-e.test");
            assertThat(served.getSerialNumber().toString(16)).isEqualTo(second.serial());

            EDGE.edge().registry.remove("swap");
            assertThatThrownBy(() -> EDGE.edge().probe.leaf(EDGE.edge().port(), "swap.tenant-e.test"))
                    .isInstanceOf(SSLException.class);

            // the connection made before the replacement and the removal still works
            OutputStream out = established.getOutputStream();
            out.write("GET /after-removal HTTP/1.1\r\nHost: swap.tenant-e.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = dev.gatehouse.tls.testing.TlsProbe.readAll(established.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 200").contains("request: GET /after-removal");
        } finally {
            established.close();
        }
    }
}
