package dev.gatehouse.appliance.ocsp;

import static dev.gatehouse.appliance.testing.NodeFixtures.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCSP stapling across two real node processes, with a test CA made by {@code openssl} and real
 * {@code openssl ocsp} responders started here (responses valid for one minute, {@code -nmin 1}):
 * a certificate uploaded on one node is stapled by both ({@code openssl s_client -status}) after one
 * fetch by the lease holder; it is refreshed half-way through the validity, again by one node; with
 * the responder stopped, handshakes go on and the last staple is kept until its nextUpdate, then
 * dropped (a certificate of its own, whose responder stops right after the first fetch, so that its
 * minute of validity runs out while the refresh case waits for its half-way point). A leaf without an AIA OCSP URL has no staple; a revoked certificate's response and a
 * response signed by a key the CA never delegated to are not stapled, and are reported.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OcspStaplingIT {

    @TempDir
    static Path dir;
    private static final List<NodeProcess> nodes = new ArrayList<>();
    private static final List<Process> responders = new ArrayList<>();
    private static Process lapsingResponder;
    private static Path goodLog;
    private static int goodPort;
    private static int forgedPort;
    private static int revokedPort;
    private static int lapsingPort;
    private static String admin;
    private static String stapledId;
    private static String lapsingId;

    private static void openssl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Tools.Result r = Tools.run(cmd, null, 30);
        assertThat(r.exitCode()).as(String.join(" ", cmd) + "\n" + r.all()).isZero();
    }

    private static Path pki(String name) {
        return dir.resolve("pki").resolve(name);
    }

    /** An EC P-256 leaf of the test CA for {@code name}, serial {@code serialHex}, with an OCSP URL when {@code port > 0}. */
    private static void leaf(String name, String serialHex, int port) throws Exception {
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", pki(name + ".key").toString(), "-out", pki(name + ".csr").toString(), "-subj", "/CN=" + name);
        String ext = "subjectAltName=DNS:" + name + "\nbasicConstraints=CA:false\nextendedKeyUsage=serverAuth\n"
                + (port > 0 ? "authorityInfoAccess=OCSP;URI:http://127.0.0.1:" + port + "/\n" : "");
        Files.writeString(pki(name + ".ext"), ext);
        openssl("x509", "-req", "-in", pki(name + ".csr").toString(), "-CA", pki("ca.crt").toString(),
                "-CAkey", pki("ca.key").toString(), "-set_serial", "0x" + serialHex, "-days", "30",
                "-extfile", pki(name + ".ext").toString(), "-out", pki(name + ".crt").toString());
    }

    /** {@code openssl ocsp} answering from index.txt on {@code port}, its stderr (one line per request) in {@code log}. */
    private static Process responder(int port, String signer, Path log) throws Exception {
        Process p = new ProcessBuilder("openssl", "ocsp", "-index", pki("index.txt").toString(), "-port",
                Integer.toString(port), "-rsigner", pki(signer + ".crt").toString(), "-rkey",
                pki(signer + ".key").toString(), "-CA", pki("ca.crt").toString(), "-nmin", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        responders.add(p);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("waiting for OCSP client"));
        return p;
    }

    private static int requests(Path log) throws Exception {
        return (int) Files.readAllLines(log).stream().filter(l -> l.contains("Received request")).count();
    }

    @BeforeAll
    static void start() throws Exception {
        Tools.require("openssl");
        Files.createDirectories(dir.resolve("pki"));
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", pki("ca.key").toString(), "-out", pki("ca.crt").toString(), "-subj", "/CN=OCSP IT CA",
                "-days", "30", "-addext", "basicConstraints=critical,CA:true",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        // the delegated responder: certified by the CA for OCSPSigning
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", pki("responder.key").toString(), "-out", pki("responder.csr").toString(),
                "-subj", "/CN=OCSP IT responder");
        Files.writeString(pki("responder.ext"), "extendedKeyUsage=OCSPSigning\nbasicConstraints=CA:false\n");
        openssl("x509", "-req", "-in", pki("responder.csr").toString(), "-CA", pki("ca.crt").toString(),
                "-CAkey", pki("ca.key").toString(), "-set_serial", "0x2001", "-days", "30",
                "-extfile", pki("responder.ext").toString(), "-out", pki("responder.crt").toString());
        // a responder the CA never certified: its answers do not verify
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", pki("rogue.key").toString(), "-out", pki("rogue.crt").toString(),
                "-subj", "/CN=rogue responder", "-days", "30");
        goodPort = freePort();
        forgedPort = freePort();
        revokedPort = freePort();
        lapsingPort = freePort();
        leaf("stapled.acme.test", "1001", goodPort);
        leaf("plain.acme.test", "1002", 0);
        leaf("forged.acme.test", "1003", forgedPort);
        leaf("revoked.acme.test", "1004", revokedPort);
        leaf("lapsing.acme.test", "1005", lapsingPort);
        Files.writeString(pki("index.txt"), String.join("",
                "V\t301231000000Z\t\t1001\tunknown\t/CN=stapled.acme.test\n",
                "V\t301231000000Z\t\t1002\tunknown\t/CN=plain.acme.test\n",
                "V\t301231000000Z\t\t1003\tunknown\t/CN=forged.acme.test\n",
                "R\t301231000000Z\t" + "261101000000Z" + "\t1004\tunknown\t/CN=revoked.acme.test\n",
                "V\t301231000000Z\t\t1005\tunknown\t/CN=lapsing.acme.test\n"));
        goodLog = dir.resolve("good-responder.log");
        responder(goodPort, "responder", goodLog);
        responder(forgedPort, "rogue", dir.resolve("rogue-responder.log"));
        responder(revokedPort, "responder", dir.resolve("revoked-responder.log"));
        lapsingResponder = responder(lapsingPort, "responder", dir.resolve("lapsing-responder.log"));

        NodeCluster cluster = NodeCluster.of(dir, "ocsp-", 2);
        for (int i = 0; i < 2; i++) {
            nodes.add(cluster.add(String.join("\n",
                    NodeCluster.LOOPBACK_WITH_METRICS,
                    // fast loop and retries; the responders are on loopback
                    "ocsp: {interval: 200ms, timeout: 3s, leaseTtl: 10s, retryMin: 1s, retryMax: 2s, minRefresh: 1s,"
                            + " allowPrivateResponders: true}",
                    cluster.withMembership(i))));
        }
        admin = cluster.startFirstAloneThenTheRest();
        cluster.tenantWithDomain("acme", "*.acme.test");

        // the certificate whose staple lapses (test 5): stapled by both, then its responder goes away
        lapsingId = upload("lapsing.acme.test");
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stapledGood(sClient(n, "lapsing.acme.test")));
        }
        lapsingResponder.destroy();
        lapsingResponder.waitFor();
    }

    @AfterAll
    static void stop() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
        for (Process p : responders) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private static String upload(String name) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", "acme");
        m.put("certificatePem", Files.readString(pki(name + ".crt")) + Files.readString(pki("ca.crt")));
        m.put("privateKeyPem", Files.readString(pki(name + ".key")));
        TestNode.Reply r = nodes.get(0).console().call("POST", "/v1/certificates", admin, TestNode.json(m));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    private static String sClient(NodeProcess n, String sni) {
        return Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + n.httpsPort, "-servername", sni,
                "-status", "-CAfile", pki("ca.crt").toString(), "-verify_return_error"),
                "Q\n".getBytes(StandardCharsets.US_ASCII), 20).all();
    }

    private static boolean stapledGood(String out) {
        return out.contains("OCSP Response Status: successful") && out.contains("Cert Status: good");
    }

    private static JsonNode ocsp(NodeProcess n, String id) throws Exception {
        return n.console().call("GET", "/v1/certificates/" + id, admin, null).json().get("ocsp");
    }

    /** Fetch log lines of the lease holder for {@code id}, per node. */
    private static List<Long> fetchesPerNode(String id) {
        return nodes.stream().map(n -> n.log.stream().filter(l -> l.contains("event=ocsp_fetched certificate=" + id)
                || l.contains("event=ocsp_fetch_failed certificate=" + id)).count()).toList();
    }

    @Test
    @Order(1)
    void everyNodeStaplesTheResponseOneNodeFetched() throws Exception {
        stapledId = upload("stapled.acme.test");
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stapledGood(sClient(n, "stapled.acme.test")));
        }
        assertThat(requests(goodLog)).as("the responder was asked once for the whole cluster").isEqualTo(1);
        List<Long> fetches = fetchesPerNode(stapledId);
        assertThat(fetches).as("fetched by one node").containsExactlyInAnyOrder(0L, 1L);
        for (NodeProcess n : nodes) {
            JsonNode o = ocsp(n, stapledId);
            assertThat(o.get("state").asText()).as(o.toString()).isEqualTo("fresh");
            assertThat(o.get("stapledUntil").isTextual()).as(o.toString()).isTrue();
            assertThat(o.get("responder").asText()).isEqualTo("http://127.0.0.1:" + goodPort + "/");
            JsonNode sni = n.console().call("GET", "/v1/sni/stapled.acme.test", admin, null).json();
            assertThat(sni.at("/candidates/0/ocsp/state").asText()).as(sni.toString()).isEqualTo("fresh");
        }
    }

    @Test
    @Order(2)
    void aLeafWithoutAnOcspUrlHasNoStaple() throws Exception {
        String id = upload("plain.acme.test");
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(30)).until(() -> sClient(n, "plain.acme.test").contains("CN = plain.acme.test"));
            String out = sClient(n, "plain.acme.test");
            assertThat(out).contains("OCSP response: no response sent").contains("Verify return code: 0 (ok)");
            assertThat(ocsp(n, id).get("state").asText()).isEqualTo("none");
        }
    }

    @Test
    @Order(3)
    void revokedAndBadlySignedResponsesAreNotStapledAndAreReported() throws Exception {
        String revoked = upload("revoked.acme.test");
        String forged = upload("forged.acme.test");
        for (String[] c : new String[][] {{revoked, "revoked"}, {forged, "bad-signature"}}) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode o = ocsp(nodes.get(1), c[0]);
                assertThat(o.get("state").asText()).as(o.toString()).isEqualTo("failing");
                assertThat(o.get("lastError").asText()).as(o.toString()).startsWith(c[1] + ":");
                assertThat(o.get("stapledUntil").isNull()).isTrue();
            });
        }
        for (NodeProcess n : nodes) {
            for (String sni : List.of("revoked.acme.test", "forged.acme.test")) {
                String out = sClient(n, sni);
                assertThat(out).as(sni).contains("CN = " + sni).contains("OCSP response: no response sent");
            }
        }
    }

    @Test
    @Order(4)
    void refreshesHalfWayThroughTheValidityOncePerCluster() throws Exception {
        JsonNode first = ocsp(nodes.get(0), stapledId);
        Instant thisUpdate = Instant.parse(first.get("thisUpdate").asText());
        Instant nextUpdate = Instant.parse(first.get("nextUpdate").asText());
        Instant half = thisUpdate.plus(Duration.between(thisUpdate, nextUpdate).dividedBy(2));
        assertThat(Instant.parse(first.get("nextAttemptAt").asText())).isEqualTo(half);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> requests(goodLog) >= 2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (NodeProcess n : nodes) {
                JsonNode o = ocsp(n, stapledId);
                assertThat(Instant.parse(o.get("fetchedAt").asText())).isAfterOrEqualTo(half.minusSeconds(1));
                assertThat(o.get("stapledUntil").asText()).isEqualTo(o.get("nextUpdate").asText());
            }
        });
        int asked = requests(goodLog);
        List<Long> fetches = fetchesPerNode(stapledId);
        assertThat(fetches.stream().mapToLong(Long::longValue).sum()).as("every request came from a logged fetch")
                .isEqualTo(asked);
        assertThat(fetches).as("all by one node").contains(0L);
    }

    @Test
    @Order(5)
    void keepsTheLastStapleWhileTheResponderIsDownThenDropsItAtNextUpdate() throws Exception {
        // lapsing.acme.test's responder stopped right after its first fetch (start()): the refresh
        // half-way through fails, the staple stays until nextUpdate, then goes
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode o = ocsp(nodes.get(1), lapsingId);
            assertThat(o.get("state").asText()).as(o.toString()).isEqualTo("failing");
            assertThat(o.get("lastError").asText()).startsWith("unreachable:");
        });
        JsonNode o = ocsp(nodes.get(1), lapsingId);
        Instant nextUpdate = Instant.parse(o.get("nextUpdate").asText());
        if (Instant.now().isBefore(nextUpdate.minusSeconds(3))) {
            for (NodeProcess n : nodes) {
                assertThat(stapledGood(sClient(n, "lapsing.acme.test"))).as("the last staple is kept").isTrue();
            }
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> nodes.stream()
                .allMatch(n -> sClient(n, "lapsing.acme.test").contains("OCSP response: no response sent")));
        for (NodeProcess n : nodes) {
            String out = sClient(n, "lapsing.acme.test");
            assertThat(out).as("handshakes go on without a staple").contains("Verify return code: 0 (ok)");
            assertThat(Instant.now()).isAfterOrEqualTo(nextUpdate);
        }
    }
}
