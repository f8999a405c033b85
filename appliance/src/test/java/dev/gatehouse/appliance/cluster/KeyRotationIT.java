package dev.gatehouse.appliance.cluster;

import static dev.gatehouse.appliance.testing.NodeFixtures.uploadBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.appliance.testing.NodeCluster;
import dev.gatehouse.appliance.testing.NodeFixtures;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented cluster-key rotation, end to end on two real nodes with a rolling restart per step:
 * (1) the new key loaded everywhere as {@code previousKeyFile} (opens, does not seal); (2) the new key
 * as {@code keyFile} and the old one as {@code previousKeyFile}, node by node: a node still on step 1
 * keeps serving, including a certificate uploaded under the new key; wait until {@code /v1/status}
 * reports nothing left to re-seal on both; (3) the old key removed. Every certificate is served by
 * both nodes after every restart, and no entry is ever rejected.
 */
class KeyRotationIT {

    private static final DemoPki PKI = DemoPki.create("Rotation Test CA");

    @TempDir
    Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Map<String, String> serials = new LinkedHashMap<>();
    private NodeCluster cluster;
    private String admin;
    private TlsProbe probe;

    @AfterEach
    void stop() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    /** Rewrites node i's configuration with these key files (read again at its next start). */
    private void configure(int i, Path keyFile, Path previousKeyFile) throws Exception {
        Path nodeDir = dir.resolve("node" + (i + 1));
        Files.writeString(nodeDir.resolve("gatehouse.yaml"), String.join("\n",
                "node: {name: 'node" + (i + 1) + "', dataDir: '" + nodeDir.resolve("data") + "'}",
                NodeCluster.LOOPBACK,
                "metrics: {enabled: false}",
                cluster.grid(i, keyFile, previousKeyFile)));
    }

    private void restart(int i, Path keyFile, Path previousKeyFile) throws Exception {
        nodes.get(i).stop();
        configure(i, keyFile, previousKeyFile);
        nodes.get(i).start().awaitReady();
        for (NodeProcess n : nodes) {
            awaitServing(n);
        }
    }

    private void upload(int i, String name) throws Exception {
        DemoPki.Issued cert = PKI.issueEc(name);
        TestNode.Reply up = nodes.get(i).console().call("POST", "/v1/certificates", admin, uploadBody("acme", cert));
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        serials.put(name, cert.chain().get(0).getSerialNumber().toString(16));
        for (NodeProcess n : nodes) {
            awaitServing(n);
        }
    }

    private void awaitServing(NodeProcess n) {
        NodeFixtures.awaitServing(probe, n, serials);
    }

    private JsonNode status(int i) throws Exception {
        return nodes.get(i).console().call("GET", "/v1/status", admin, null).json();
    }

    @Test
    void rotateTheClusterKeyWithRollingRestartsAndWatchItFinish() throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        random.nextBytes(k1);
        random.nextBytes(k2);
        Path old = Files.write(dir.resolve("cluster-1.key"), k1);
        Path next = Files.write(dir.resolve("cluster-2.key"), k2);
        String oldId = Sealer.of(k1).sealingKeyId();
        String newId = Sealer.of(k2).sealingKeyId();
        cluster = NodeCluster.of(dir, "rotation-it-", 2);
        for (int i = 0; i < 2; i++) {
            // NodeProcess writes its own file; ours replaces it before the first start
            nodes.add(new NodeProcess(dir.resolve("node" + (i + 1)), ""));
            configure(i, old, null);
        }
        // the first node alone first: it creates the cluster's admin token (in its data directory), the second
        // finds it in the store
        nodes.get(0).start().awaitReady();
        nodes.get(1).start().awaitReady();
        admin = Files.readString(nodes.get(0).dataDir.resolve("admin.token")).trim();
        probe = new TlsProbe(Pem.certificates(List.of(PKI.caCertificate())));
        TestNode.Reply t = nodes.get(0).console().call("POST", "/v1/tenants", admin, "{\"id\":\"acme\"}");
        assertThat(t.status()).isEqualTo(201);
        assertThat(nodes.get(0).console().call("POST", "/v1/domains", admin,
                "{\"name\":\"*.acme.test\",\"tenant\":\"acme\",\"verified\":true}").status()).isIn(200, 201);
        upload(0, "before.acme.test");
        assertThat(status(0).path("keys").path("sealing").asText()).isEqualTo(oldId);
        assertThat(status(0).path("keys").path("privateKeysBySealingKey").path(oldId).asInt()).isEqualTo(1);

        // step 1: the new key opens everywhere before anything is sealed with it
        restart(0, old, next);
        restart(1, old, next);
        upload(1, "step1.acme.test");

        // step 2, node by node: node1 seals with the new key while node2 still seals with the old one
        restart(0, next, old);
        upload(0, "mixed.acme.test"); // sealed with the new key: node2 (step 1) opens and serves it
        JsonNode mixed = status(1).path("keys");
        assertThat(mixed.path("sealing").asText()).as("node2 still on step 1").isEqualTo(oldId);
        restart(1, next, old);
        for (int i = 0; i < 2; i++) {
            int n = i;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                JsonNode k = status(n).path("keys");
                assertThat(k.path("sealing").asText()).isEqualTo(newId);
                assertThat(k.path("privateKeysToReseal").asInt()).as("private keys to re-seal on node%d", n + 1)
                        .isZero();
                assertThat(k.path("gridEntriesToReseal").isInt() && k.path("gridEntriesToReseal").asInt() == 0)
                        .as("grid entries to re-seal on node%d: %s", n + 1, k).isTrue();
                assertThat(k.path("privateKeysBySealingKey").path(newId).asInt()).isEqualTo(3);
            });
        }

        // step 3: the old key goes; everything still opens and is served
        restart(0, next, null);
        restart(1, next, null);
        for (int i = 0; i < 2; i++) {
            JsonNode s = status(i);
            assertThat(s.path("keys").path("loaded")).hasSize(2); // the cluster key and the node's master key
            assertThat(s.path("rejectedStoreEntries").asInt()).as("node%d rejected store entries", i + 1).isZero();
            assertThat(s.path("cluster").path("rejectedGridEntries").asInt()).isZero();
        }
        assertThat(serials).hasSize(3);
    }
}
