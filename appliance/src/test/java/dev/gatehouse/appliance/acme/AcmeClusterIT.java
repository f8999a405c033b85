package dev.gatehouse.appliance.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.LogCapture;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.Pebble;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.tls.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes and the real Pebble: the order runs once, on the node holding the scheduler
 * lease, while Pebble's HTTP-01 validation reaches the other node's port 80, which answers from
 * the shared challenge store; both nodes then serve the certificate. When the lease holder stops,
 * the other node takes the scheduler over.
 */
class AcmeClusterIT {

    @TempDir
    Path dir;

    private static String yaml(String grid, Path caFile, int pebblePort, Pebble.Dns dns) {
        return grid + Pebble.acmeYaml("https://127.0.0.1:" + pebblePort + "/dir", caFile, dns.resolver(),
                Pebble.FAST_ACME);
    }

    @Test
    void orderRunsOnceOnTheLeaseHolderWhileTheOtherNodeAnswersTheChallenge() throws Exception {
        Pebble.require();
        NodeCluster cluster = NodeCluster.of(dir, "acme-it-", 2);
        int pebblePort = Pebble.freePort();
        Path caFile = Pebble.tlsCertificate(dir.resolve("pebble"));
        try (LogCapture logs = new LogCapture();
                Pebble.Dns dns = Pebble.Dns.start(dir);
                TestNode nodeA = new TestNode(dir.resolve("a"), "node-a", yaml(cluster.grid(0), caFile, pebblePort, dns))) {
            String admin = nodeA.adminToken();
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    nodeA.call("GET", "/v1/status", admin, null).json().at("/acme/schedulerHere").asBoolean());
            try (TestNode nodeB = new TestNode(dir.resolve("b"), "node-b", yaml(cluster.grid(1), caFile, pebblePort, dns));
                    // Pebble validates HTTP-01 on node B's port 80 only: node A never sees the CA's request
                    Pebble pebble = Pebble.start(dir.resolve("pebble"), dns, pebblePort, nodeB.httpPort(), 0, Map.of())) {
                await().atMost(Duration.ofSeconds(20)).until(() -> nodeB.call("GET", "/v1/tokens", admin, null)
                        .status() == 200);
                assertThat(nodeB.call("GET", "/v1/status", admin, null).json().at("/acme/schedulerNode").asText())
                        .isEqualTo("node-a");

                assertThat(nodeB.call("POST", "/v1/tenants", admin, "{\"id\":\"tenant-a\"}").status()).isEqualTo(201);
                TestNode.Reply claimed = nodeB.call("POST", "/v1/domains", admin,
                        "{\"name\":\"www.shop-two.com\",\"tenant\":\"tenant-a\"}");
                assertThat(claimed.status()).as(claimed.body()).isEqualTo(201);
                dns.setTxt(claimed.json().at("/records/0/name").asText(),
                        claimed.json().at("/records/0/value").asText());
                dns.addA("www.shop-two.com", "127.0.0.1");
                await().atMost(Duration.ofSeconds(30)).until(() -> "verified".equals(nodeB.call("GET",
                        "/v1/domains/www.shop-two.com", admin, null).json().path("status").asText()));
                assertThat(nodeB.call("POST", "/v1/domains/www.shop-two.com/certificate", admin, null).status())
                        .isEqualTo(202);
                JsonNode[] m = new JsonNode[1];
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    m[0] = nodeB.call("GET", "/v1/domains/www.shop-two.com/certificate", admin, null).json();
                    return "issued".equals(m[0].path("state").asText());
                });
                assertThat(m[0].path("issuedBy").asText()).isEqualTo("node-a");
                assertThat(logs.lines().stream().filter(l -> l.contains("event=acme_order_created name=www.shop-two.com")))
                        .as("one order for the whole cluster").hasSize(1);
                JsonNode statusA = nodeA.call("GET", "/v1/status", admin, null).json();
                JsonNode statusB = nodeB.call("GET", "/v1/status", admin, null).json();
                assertThat(statusB.at("/counters/acme.challenge_hit").asLong()).as("B answered").isGreaterThanOrEqualTo(1);
                assertThat(statusA.at("/counters/acme.challenge_hit").asLong()).as("A was never asked").isZero();

                Path root = Files.writeString(dir.resolve("root.pem"), pebble.root());
                for (TestNode n : List.of(nodeA, nodeB)) {
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Tools.run(List.of("openssl",
                            "s_client", "-connect", "127.0.0.1:" + n.httpsPort(), "-servername", "www.shop-two.com",
                            "-CAfile", root.toString(), "-verify_return_error", "-verify_hostname", "www.shop-two.com"),
                            "Q\n".getBytes(StandardCharsets.US_ASCII), 20).stdout())
                            .contains("Verify return code: 0 (ok)"));
                }

                // the holder stops (and releases the lease): the other node takes the scheduler over
                nodeA.stop();
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        nodeB.call("GET", "/v1/status", admin, null).json().at("/acme/schedulerHere").asBoolean());
            }
        }
    }
}
