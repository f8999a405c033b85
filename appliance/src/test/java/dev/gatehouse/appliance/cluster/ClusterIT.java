package dev.gatehouse.appliance.cluster;

import static dev.gatehouse.appliance.testing.NodeFixtures.freePort;
import static dev.gatehouse.appliance.testing.NodeFixtures.servedSerial;
import static dev.gatehouse.appliance.testing.NodeFixtures.uploadBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.ConsoleClient;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes on loopback sharing one store over Hazelcast: a certificate uploaded,
 * replaced or deleted on one node is served (or refused) by all; kill -9 during a burst loses no
 * acknowledged upload; a full restart keeps everything; a new node catches up before it is ready;
 * a session ticket from one node resumes on another.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    private static final DemoPki PKI = DemoPki.create("Cluster Test CA");
    @TempDir
    static Path dir;
    static NodeCluster cluster;
    static List<NodeProcess> nodes;
    static List<String> members;
    static String admin;
    static TlsProbe probe;

    static String yaml(int i) {
        return String.join("\n",
                NodeCluster.LOOPBACK_WITH_METRICS,
                cluster.withMembership(i,
                        // the none driver: ownership is decided and reported, no address is touched
                        "ha: {driver: none, failback: 'off', settle: 500ms,",
                        "     vips: ['198.18.0.100/32', '198.18.0.101/32', '198.18.0.102/32']}"));
    }

    @BeforeAll
    static void startThree() throws Exception {
        cluster = NodeCluster.of(dir, "it-", 4); // the fourth joins later
        nodes = cluster.nodes;
        members = cluster.members;
        admin = cluster.startWithTenant(3, ClusterIT::yaml, "acme", "*.acme.test");
        probe = new TlsProbe(Pem.certificates(List.of(PKI.caCertificate())));
    }

    @AfterAll
    static void stopAll() throws Exception {
        cluster.close();
    }

    @Test
    @Order(0)
    void everyNodeSeesTheSameMembershipView() throws Exception {
        for (NodeProcess n : nodes) {
            ConsoleClient c = n.console();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode m = c.call("GET", "/v1/status", admin, null).json().get("cluster").get("membership");
                assertThat(m.get("members")).hasSize(3);
                assertThat(m.get("members").toString()).contains("node1").contains("node2").contains("node3");
            });
        }
    }

    @Test
    @Order(0)
    void everyNodeReportsTheSameVipOwnersOneVipEach() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, String>> seen = new ArrayList<>();
            for (NodeProcess n : nodes) {
                JsonNode ha = n.console().call("GET", "/v1/status", admin, null).json().get("cluster").get("ha");
                assertThat(ha.get("driver").asText()).isEqualTo("none");
                assertThat(ha.get("health").get("healthy").asBoolean()).isTrue();
                Map<String, String> owners = new LinkedHashMap<>();
                int heldHere = 0;
                for (JsonNode v : ha.get("vips")) {
                    owners.put(v.get("address").asText(), v.get("owner").asText());
                    heldHere += v.get("heldHere").asBoolean() ? 1 : 0;
                }
                assertThat(heldHere).as("VIPs held by one node").isEqualTo(1);
                seen.add(owners);
            }
            assertThat(seen.get(0).values()).containsExactlyInAnyOrder("node1", "node2", "node3");
            assertThat(seen).allSatisfy(o -> assertThat(o).isEqualTo(seen.get(0)));
        });
    }

    @Test
    @Order(1)
    void uploadReplaceAndDeleteOnOneNodeAreLiveOnAll() throws Exception {
        ConsoleClient one = nodes.get(0).console();
        DemoPki.Issued first = PKI.issueEc("www.acme.test");
        TestNode.Reply up = one.call("POST", "/v1/certificates", admin, uploadBody("acme", first));
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        String id = up.json().get("id").asText();
        String serial = first.leaf().getSerialNumber().toString(16);
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> serial.equals(servedSerial(probe, n, "www.acme.test")));
        }
        DemoPki.Issued second = PKI.issueEc("www.acme.test");
        assertThat(nodes.get(1).console().call("PUT", "/v1/certificates/" + id, admin, uploadBody("acme", second))
                .status())
                .isEqualTo(200);
        String serial2 = second.leaf().getSerialNumber().toString(16);
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> serial2.equals(servedSerial(probe, n, "www.acme.test")));
        }
        assertThat(nodes.get(2).console().call("DELETE", "/v1/certificates/" + id, admin, null).status()).isEqualTo(204);
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial(probe, n, "www.acme.test") == null);
            assertThatThrownBy(() -> probe.leaf(n.httpsPort, "www.acme.test")).isInstanceOf(SSLException.class);
        }
    }

    @Test
    @Order(2)
    void sessionTicketFromOneNodeResumesOnAnother() throws Exception {
        Tools.require("openssl");
        ConsoleClient one = nodes.get(0).console();
        assertThat(one.call("POST", "/v1/certificates", admin, uploadBody("acme", PKI.issueEc("resume.acme.test")))
                .status())
                .isEqualTo(201);
        for (NodeProcess n : nodes) {
            await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial(probe, n, "resume.acme.test") != null);
        }
        Path sess = dir.resolve("session.pem");
        byte[] request = "GET / HTTP/1.1\r\nHost: resume.acme.test\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        Tools.Result first = Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + nodes.get(0).httpsPort,
                "-servername", "resume.acme.test", "-sess_out", sess.toString(), "-ign_eof"), request, 20);
        assertThat(first.stdout()).contains("New, TLSv1.3");
        assertThat(sess).exists();
        Tools.Result second = Tools.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + nodes.get(1).httpsPort,
                "-servername", "resume.acme.test", "-sess_in", sess.toString(), "-ign_eof"), request, 20);
        assertThat(second.stdout()).contains("Reused, TLSv1.3");
    }

    @Test
    @Order(3)
    void killDashNineMidBurstLosesNoAcknowledgedUpload() throws Exception {
        ConsoleClient one = nodes.get(0).console();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            bodies.add(uploadBody("acme", PKI.issueEc("burst" + i + ".acme.test")));
        }
        List<String> acknowledged = new ArrayList<>();
        AtomicBoolean killed = new AtomicBoolean();
        for (int i = 0; i < bodies.size(); i++) {
            if (i == 30) {
                nodes.get(2).kill9();
                killed.set(true);
            }
            TestNode.Reply r = one.call("POST", "/v1/certificates", admin, bodies.get(i));
            if (r.status() == 201) {
                acknowledged.add(r.json().get("id").asText());
            }
        }
        assertThat(killed).isTrue();
        assertThat(acknowledged).hasSizeGreaterThan(100);
        // the dead node's VIP now belongs to a survivor, on both survivors' word
        for (NodeProcess n : nodes.subList(0, 2)) {
            ConsoleClient c = n.console();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode vips = c.call("GET", "/v1/status", admin, null).json().get("cluster").get("ha").get("vips");
                assertThat(vips).hasSize(3).allSatisfy(v -> assertThat(v.get("owner").asText()).isIn("node1", "node2"));
            });
        }
        for (NodeProcess n : nodes.subList(0, 2)) {
            ConsoleClient c = n.console();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode items = c.call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items");
                List<String> ids = new ArrayList<>();
                items.forEach(x -> ids.add(x.get("id").asText()));
                assertThat(ids).containsAll(acknowledged);
            });
        }
        nodes.get(2).start().awaitReady(); // back, and caught up before ready
        JsonNode items = nodes.get(2).console().call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items");
        List<String> ids = new ArrayList<>();
        items.forEach(x -> ids.add(x.get("id").asText()));
        assertThat(ids).containsAll(acknowledged);
    }

    @Test
    @Order(4)
    void fullRestartKeepsEverythingAndANewNodeCatchesUpBeforeReady() throws Exception {
        int before = nodes.get(0).console().call("GET", "/v1/certificates?limit=1000", admin, null).json()
                .get("items").size();
        for (NodeProcess n : nodes) {
            n.stop();
        }
        nodes.get(0).start();
        nodes.get(1).start();
        nodes.get(2).start();
        for (NodeProcess n : nodes) {
            n.awaitReady();
        }
        for (NodeProcess n : nodes) {
            assertThat(n.console().call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items").size())
                    .isEqualTo(before);
        }
        assertThat(servedSerial(probe, nodes.get(1), "resume.acme.test")).isNotNull();

        NodeProcess fourth = cluster.add(yaml(3));
        fourth.start().awaitReady();
        // ready means caught up: everything is there at once
        assertThat(fourth.console().call("GET", "/v1/certificates?limit=1000", admin, null).json().get("items").size())
                .isEqualTo(before);
        assertThat(servedSerial(probe, fourth, "burst7.acme.test")).isNotNull();
    }

    @Test
    @Order(5)
    void rogueMemberWithoutTheClusterKeyCannotMakeNodesServeItsCertificate() throws Exception {
        // a Hazelcast member that knows the cluster's name and addresses, but not its key
        com.hazelcast.core.HazelcastInstance rogue = dev.gatehouse.cluster.grid.Grid.start(
                new dev.gatehouse.cluster.grid.GridSettings("it-" + dir.getFileName(), "127.0.0.1", freePort(), members));
        try {
            DemoPki.Issued forged = PKI.issueEc("evil.acme.test");
            dev.gatehouse.cluster.store.Sealer wrong = dev.gatehouse.cluster.store.Sealer.of(new byte[32]);
            java.util.List<String> names = List.of("evil.acme.test");
            long rev = Long.MAX_VALUE / 4;
            dev.gatehouse.cluster.store.CertificateRecord record = new dev.gatehouse.cluster.store.CertificateRecord(
                    "crt_forged", "acme", names, rev, new String(Pem.certificates(forged.chain()), StandardCharsets.US_ASCII),
                    wrong.seal(forged.key().getEncoded(), dev.gatehouse.cluster.store.CertificateRecord.keyAad("crt_forged",
                            names, rev)), "ECDSA-P-256", 0, Long.MAX_VALUE / 2, "00", "CN=x", "1", false, 0, 0);
            String map = dev.gatehouse.cluster.grid.MapNames.of("certificates");
            rogue.<String, String>getMap(map).put("crt_forged", dev.gatehouse.cluster.grid.GridValue.encode(wrong, map,
                    "crt_forged", rev, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(record)));
            for (NodeProcess n : nodes) {
                ConsoleClient c = n.console();
                await().atMost(Duration.ofSeconds(20)).until(() -> c.call("GET", "/v1/status", admin, null).json()
                        .get("cluster").get("rejectedGridEntries").asLong() > 0);
                assertThat(servedSerial(probe, n, "evil.acme.test")).isNull();
                assertThat(c.call("GET", "/v1/certificates/crt_forged", admin, null).status()).isEqualTo(404);
                assertThat(n.log).anyMatch(l -> l.contains("event=grid_entry_rejected") && l.contains("crt_forged"));
            }
        } finally {
            rogue.shutdown();
        }
    }
}
