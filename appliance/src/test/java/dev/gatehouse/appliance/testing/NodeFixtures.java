package dev.gatehouse.appliance.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the multi-node ITs share: free ports, upload bodies, "served by SNI" waits, the packaged CLI. */
public final class NodeFixtures {

    private NodeFixtures() {
    }

    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The JSON of {@code POST /v1/certificates} for a certificate issued by a test CA. */
    public static String uploadBody(String tenant, DemoPki.Issued c) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(c.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", new String(Pem.privateKey(c.key()), StandardCharsets.US_ASCII));
        return TestNode.json(m);
    }

    /** Writes the chain and then the key of {@code c} to one PEM file, as a node's certificate directory holds them. */
    public static Path writePem(Path file, DemoPki.Issued c) throws IOException {
        ByteArrayOutputStream pem = new ByteArrayOutputStream();
        pem.writeBytes(Pem.certificates(c.chain()));
        pem.writeBytes(Pem.privateKey(c.key()));
        return Files.write(file, pem.toByteArray());
    }

    /** Writes the CA certificate of {@code pki} as PEM, for clients' {@code --cacert}. */
    public static Path writeCaPem(Path file, DemoPki pki) throws IOException {
        return Files.write(file, Pem.certificates(List.of(pki.caCertificate())));
    }

    /** Waits (60 s at most) until the node serves, for each name, the certificate with that serial (hex). */
    public static void awaitServing(TlsProbe probe, NodeProcess n, Map<String, String> serialByName) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (Map.Entry<String, String> e : serialByName.entrySet()) {
                assertThat(probe.leaf(n.httpsPort, e.getKey()).getSerialNumber().toString(16))
                        .as("%s on :%d", e.getKey(), n.httpsPort).isEqualTo(e.getValue());
            }
        });
    }

    /** The serial (hex) of the leaf the node serves for {@code sni}, or null when the handshake fails. */
    public static String servedSerial(TlsProbe probe, NodeProcess n, String sni) {
        try {
            return probe.leaf(n.httpsPort, sni).getSerialNumber().toString(16);
        } catch (Exception e) {
            return null;
        }
    }

    /** Closes each non-null one in order (an {@code @AfterAll} whose set-up may have stopped half-way). */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        for (AutoCloseable c : resources) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Runs the packaged {@code gatehouse} command (no standard input) and returns its exit code and output. */
    public static Map.Entry<Integer, String> cli(String... args) throws Exception {
        String jar = System.getProperty("gatehouse.jar", Path.of("target", "gatehouse.jar").toString());
        List<String> cmd = TestJvm.launcher();
        cmd.addAll(List.of("-jar", jar));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return Map.entry(p.exitValue(), out);
    }
}
