package dev.gatehouse.appliance.cluster;

import static dev.gatehouse.appliance.testing.NodeFixtures.servedSerial;
import static dev.gatehouse.appliance.testing.NodeFixtures.uploadBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.appliance.testing.ConsoleClient;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.cluster.testing.Trees;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletions stay deleted, with three real node processes: a certificate deleted and a token revoked
 * while one node is stopped stay gone on every node after the clock moves past the tombstone
 * lifetime (7 days) and that node comes back; so they do when an old copy of a node's data directory
 * is restored onto it, and when the whole cluster restarts with that old copy first.
 *
 * <p>The clock is moved with the debug property {@code -Dgatehouse.debug.storeClockOffset=8d} (the
 * store's clock only: revisions, tombstone expiry, last sync), by restarting the running nodes one at
 * a time with it, so that the grid itself forgets the delete before the stopped node returns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TombstoneHorizonIT {

    private static final DemoPki PKI = DemoPki.create("Tombstone Test CA");
    private static final String PAST_THE_HORIZON = "-Dgatehouse.debug.storeClockOffset=8d";
    @TempDir
    static Path dir;
    static NodeCluster cluster;
    static List<NodeProcess> nodes;
    static Path backup;
    static String admin;
    static String tenantToken;
    static String goneId;
    static TlsProbe probe;

    static String yaml(int i) {
        return String.join("\n",
                NodeCluster.LOOPBACK_WITH_METRICS,
                "store: {tombstoneTtl: 7d}",
                cluster.grid(i));
    }

    @BeforeAll
    static void startThree() throws Exception {
        cluster = NodeCluster.of(dir, "tomb-", 3);
        nodes = cluster.nodes;
        admin = cluster.startWithTenant(3, TombstoneHorizonIT::yaml, "acme", "*.acme.test");
        probe = new TlsProbe(Pem.certificates(List.of(PKI.caCertificate())));
    }

    @AfterAll
    static void stopAll() throws Exception {
        cluster.close();
    }


    /** On every node: the deleted certificate is not served nor listed, the revoked token is refused. */
    static void assertGoneEverywhere() throws Exception {
        for (NodeProcess n : nodes) {
            ConsoleClient c = n.console();
            try {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(servedSerial(probe, n, "gone.acme.test")).as(n.dataDir + " serves the deleted certificate")
                            .isNull();
                    assertThat(c.call("GET", "/v1/certificates/" + goneId, admin, null).status()).isEqualTo(404);
                    assertThat(c.call("GET", "/v1/certificates", tenantToken, null).status())
                            .as(n.dataDir + " accepts the revoked token").isEqualTo(401);
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + "\n" + storeLog(), e);
            }
            assertThat(servedSerial(probe, n, "kept.acme.test")).isNotNull();
        }
    }

    /** The store and grid lines of every node's log, for a failure message. */
    static String storeLog() {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : nodes) {
            b.append("--- ").append(n.dataDir).append('\n');
            n.log.stream().filter(l -> l.matches(".*event=(grid_|stale|tombstones_|store_).*"))
                    .forEach(l -> b.append(l).append('\n'));
        }
        return b.toString();
    }

    @Test
    @Order(1)
    void deletedCertificateAndRevokedTokenStayGoneWhenANodeReturnsFromPastTheHorizon() throws Exception {
        ConsoleClient one = nodes.get(0).console();
        TestNode.Reply gone = one.call("POST", "/v1/certificates", admin,
                uploadBody("acme", PKI.issueEc("gone.acme.test")));
        assertThat(gone.status()).as(gone.body()).isEqualTo(201);
        goneId = gone.json().get("id").asText();
        assertThat(one.call("POST", "/v1/certificates", admin, uploadBody("acme", PKI.issueEc("kept.acme.test")))
                .status())
                .isEqualTo(201);
        TestNode.Reply token = one.call("POST", "/v1/tokens", admin, "{\"scope\":\"tenant:acme\"}");
        tenantToken = token.json().get("token").asText();
        String tokenId = token.json().get("id").asText();
        NodeProcess third = nodes.get(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial(probe, third, "gone.acme.test") != null
                && third.console().call("GET", "/v1/certificates", tenantToken, null).status() == 200);

        third.stop();
        backup = dir.resolve("node3-backup");
        Trees.copy(third.dataDir, backup); // a consistent copy of the stopped node: the "old snapshot" of later tests
        assertThat(one.call("DELETE", "/v1/certificates/" + goneId, admin, null).status()).isEqualTo(204);
        assertThat(one.call("DELETE", "/v1/tokens/" + tokenId, admin, null).status()).isEqualTo(204);

        // move the running nodes' clocks past the horizon, one at a time (the grid stays up throughout)
        for (NodeProcess n : nodes.subList(0, 2)) {
            n.stop();
            n.jvm("-Xmx256m", PAST_THE_HORIZON).start().awaitReady();
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            long pruned = 0;
            for (NodeProcess n : nodes.subList(0, 2)) {
                pruned += n.console().call("GET", "/v1/status", admin, null).json().get("cluster")
                        .get("prunedGridTombstones").asLong();
            }
            assertThat(pruned).as("the grid forgot the delete").isGreaterThanOrEqualTo(1);
        });

        third.jvm("-Xmx256m", PAST_THE_HORIZON).start().awaitReady();
        assertGoneEverywhere();
        assertThat(third.log).anyMatch(l -> l.contains("event=stale_records_dropped kind=certificates dropped=1"));
        assertThat(third.log).anyMatch(l -> l.contains("event=store_clock_offset"));
    }

    @Test
    @Order(2)
    void anOldSnapshotRestoredOntoOneNodeDoesNotBringThemBack() throws Exception {
        NodeProcess third = nodes.get(2);
        third.stop();
        Trees.delete(third.dataDir);
        Trees.copy(backup, third.dataDir);
        third.start().awaitReady();
        assertGoneEverywhere();
        assertThat(third.log).anyMatch(l -> l.contains("event=stale_records_dropped kind=certificates dropped=1"));
    }

    @Test
    @Order(3)
    void wholeClusterRestartedWithTheOldSnapshotFirstStillKeepsThemGone() throws Exception {
        for (NodeProcess n : nodes) {
            n.stop();
        }
        NodeProcess third = nodes.get(2);
        Trees.delete(third.dataDir);
        Trees.copy(backup, third.dataDir);
        third.start().awaitReady(); // alone, it seeds the empty grid from the old snapshot ...
        nodes.get(0).start();
        nodes.get(1).start();
        nodes.get(0).awaitReady();
        nodes.get(1).awaitReady();
        assertGoneEverywhere(); // ... and the first fresher node to join deletes again what it brought back
        assertThat(nodes.get(0).log.stream().anyMatch(l -> l.contains("event=stale_seed_records_deleted"))
                || nodes.get(1).log.stream().anyMatch(l -> l.contains("event=stale_seed_records_deleted"))).isTrue();
    }
}
