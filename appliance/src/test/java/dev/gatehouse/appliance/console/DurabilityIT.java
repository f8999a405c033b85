package dev.gatehouse.appliance.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.appliance.testing.ConsoleClient;
import dev.gatehouse.appliance.testing.TestJvm;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts, tampering and kill -9: the store keeps what it acknowledged and never serves half of anything. */
class DurabilityIT {

    private static final DemoPki PKI = DemoPki.create("Durability CA");
    private static final ObjectMapper JSON = new ObjectMapper();

    static String body(String tenant, String name) throws Exception {
        DemoPki.Issued c = PKI.issueEc(name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", tenant);
        m.put("certificatePem", new String(Pem.certificates(c.chain()), StandardCharsets.US_ASCII));
        m.put("privateKeyPem", new String(Pem.privateKey(c.key()), StandardCharsets.US_ASCII));
        return TestNode.json(m);
    }

    static void tenant(TestNode n, String admin, String id, String claim) throws Exception {
        assertThat(n.call("POST", "/v1/tenants", admin, "{\"id\":\"" + id + "\"}").status()).isEqualTo(201);
        assertThat(n.call("POST", "/v1/tenants/" + id + "/domains", admin, "{\"name\":\"" + claim + "\"}").status())
                .isEqualTo(200);
    }

    @Test
    void restartKeepsCertificatesTenantsTokensAndRoutes(@TempDir Path data) throws Exception {
        try (TestNode n = new TestNode(data)) {
            String admin = n.adminToken();
            tenant(n, admin, "tenant-a", "*.tenant-a.test");
            String tenantToken = n.call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:tenant-a\"}").json()
                    .get("token").asText();
            for (int i = 0; i < 5; i++) {
                assertThat(n.call("POST", "/v1/certificates", tenantToken, body("tenant-a", "s" + i + ".tenant-a.test"))
                        .status()).isEqualTo(201);
            }
            assertThat(n.call("POST", "/v1/certificates", tenantToken, body("tenant-a", "x.tenant-a.test")).status())
                    .isEqualTo(201);
            n.call("PUT", "/v1/pools/extra", admin, "{\"servers\":[\"127.0.0.1:" + n.backend.port() + "\"]}");
            n.call("PUT", "/v1/routes/x.tenant-a.test", admin, "{\"pool\":\"extra\"}");

            n.stop();
            n.start();

            assertThat(n.call("GET", "/v1/certificates", tenantToken, null).json().get("items")).hasSize(6);
            assertThat(n.call("GET", "/v1/tenants/tenant-a", admin, null).json().get("domains").toString())
                    .contains("*.tenant-a.test");
            assertThat(n.call("GET", "/v1/routes", admin, null).json().get("items").toString()).contains("x.tenant-a.test");
            TlsProbe probe = new TlsProbe(Pem.certificates(List.of(PKI.caCertificate())));
            assertThat(probe.leaf(n.httpsPort(), "s3.tenant-a.test").getSubjectX500Principal().getName())
                    .isEqualTo("CN=s3.tenant-a.test");
            assertThat(probe.get(n.httpsPort(), "x.tenant-a.test", "/")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void tamperedSealedKeyIsReportedAndSkippedWithoutLosingOthers(@TempDir Path data) throws Exception {
        try (TestNode n = new TestNode(data)) {
            String admin = n.adminToken();
            tenant(n, admin, "tenant-a", "*.tenant-a.test");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(n.call("POST", "/v1/certificates", admin, body("tenant-a", "t" + i + ".tenant-a.test"))
                        .json().get("id").asText());
            }
            n.stop();

            Path victim = findCertificateFile(data, ids.get(1));
            ObjectNode rec = (ObjectNode) JSON.readTree(Files.readAllBytes(victim));
            byte[] ct = Base64.getDecoder().decode(rec.get("sealedKey").get("ciphertext").asText());
            ct[ct.length / 2] ^= 0x01; // one flipped bit
            ((ObjectNode) rec.get("sealedKey")).put("ciphertext", Base64.getEncoder().encodeToString(ct));
            Files.write(victim, JSON.writeValueAsBytes(rec));
            Path other = findCertificateFile(data, ids.get(2));
            ObjectNode moved = (ObjectNode) JSON.readTree(Files.readAllBytes(other));
            moved.put("revision", moved.get("revision").asLong() + 1); // AAD binds the revision
            Files.write(other, JSON.writeValueAsBytes(moved));
            Files.writeString(data.resolve("store/certificates/garbage.json"), "{ not json");

            n.start();
            assertThat(n.node.store().loadProblems()).hasSize(3);
            assertThat(n.node.store().loadProblems().toString()).contains(ids.get(1)).contains(ids.get(2))
                    .contains("garbage.json");
            JsonNode items = n.call("GET", "/v1/certificates", admin, null).json().get("items");
            assertThat(items).hasSize(1);
            assertThat(items.get(0).get("id").asText()).isEqualTo(ids.get(0));
            assertThat(n.call("GET", "/v1/status", admin, null).json().get("rejectedStoreEntries").asInt()).isEqualTo(3);
        }
    }

    private static Path findCertificateFile(Path data, String id) throws Exception {
        try (Stream<Path> files = Files.list(data.resolve("store/certificates"))) {
            for (Path f : files.toList()) {
                if (Files.readString(f).contains("\"" + id + "\"")) {
                    return f;
                }
            }
        }
        throw new AssertionError("no file for " + id);
    }

    @Test
    void killDashNineDuringUploadBurstLosesNoAcknowledgedUpload(@TempDir Path data) throws Exception {
        Path jar = Path.of("target", "gatehouse.jar");
        Path config = data.resolve("gatehouse.yaml");
        Files.writeString(config, String.join("\n",
                "node: {name: crash, dataDir: '" + data.resolve("state") + "'}",
                "listeners: {https: '127.0.0.1:0', http: off}", // YAML 1.1 reads a bare off as false
                "console: {listen: '127.0.0.1:0'}", "metrics: {listen: '127.0.0.1:0'}", ""));
        Process p = startNode(jar, config);
        List<String> acknowledged = new ArrayList<>();
        try {
            int consolePort = waitForConsole(p);
            TestNode.Reply r;
            ConsoleClient c = new ConsoleClient(data.resolve("state"), consolePort);
            String admin = Files.readString(data.resolve("state/admin.token")).trim();
            assertThat(c.call("POST", "/v1/tenants", admin, "{\"id\":\"burst\"}").status()).isEqualTo(201);
            assertThat(c.call("POST", "/v1/tenants/burst/domains", admin, "{\"name\":\"*.burst.test\"}").status())
                    .isEqualTo(200);
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                bodies.add(body("burst", "b" + i + ".burst.test"));
            }
            AtomicBoolean killed = new AtomicBoolean();
            for (String b : bodies) {
                if (acknowledged.size() == 50 && !killed.get()) {
                    // SIGKILL from another thread while the next upload is in flight
                    Thread killer = new Thread(p::destroyForcibly);
                    killer.start();
                    killed.set(true);
                }
                try {
                    r = c.call("POST", "/v1/certificates", admin, b);
                } catch (Exception connectionLost) {
                    break;
                }
                if (r.status() == 201) {
                    acknowledged.add(r.json().get("id").asText());
                }
            }
            p.waitFor(20, TimeUnit.SECONDS);
            assertThat(killed).isTrue();
            assertThat(acknowledged).as("some uploads were acknowledged before the kill").isNotEmpty();
            assertThat(acknowledged.size()).as("the kill came mid-burst").isLessThan(bodies.size());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }

        Process again = startNode(jar, config);
        try {
            int consolePort = waitForConsole(again);
            ConsoleClient c = new ConsoleClient(data.resolve("state"), consolePort);
            String admin = Files.readString(data.resolve("state/admin.token")).trim();
            JsonNode items = c.call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items");
            List<String> present = new ArrayList<>();
            items.forEach(i -> present.add(i.get("id").asText()));
            assertThat(present).containsAll(acknowledged);
            assertThat(present.size()).isBetween(acknowledged.size(), acknowledged.size() + 1); // + the one in flight
            assertThat(c.call("GET", "/v1/status", admin, null).json().get("rejectedStoreEntries").asInt()).isZero();
            try (Stream<Path> files = Files.list(data.resolve("state/store/certificates"))) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.contains(".tmp-"));
            }
        } finally {
            again.destroy();
            again.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static Process startNode(Path jar, Path config) throws Exception {
        List<String> cmd = TestJvm.launcher();
        cmd.addAll(List.of("-jar", jar.toString(), "serve", "--config", config.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the node's log until it reports its console port. */
    private static int waitForConsole(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        java.util.regex.Pattern ready = java.util.regex.Pattern.compile("event=node_ready .* console=(\\d+)");
        String line;
        while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
            java.util.regex.Matcher m = ready.matcher(line);
            if (m.find()) {
                int port = Integer.parseInt(m.group(1));
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe flowing
                        }
                    } catch (Exception ignored) {
                        // process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return port;
            }
        }
        throw new AssertionError("node did not report ready");
    }
}
