package dev.gatehouse.appliance.cluster;

import static dev.gatehouse.appliance.testing.NodeFixtures.awaitServing;
import static dev.gatehouse.appliance.testing.NodeFixtures.cli;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup, wipe, restore on a two-node cluster of real processes: {@code gatehouse backup} taken from a
 * running node, both nodes stopped and their data directories deleted, a tampered copy refused by
 * {@code gatehouse restore}, the real one restored into one node, and after both start again every
 * certificate is served by both (the restored node re-seeds the grid, the other one catches up).
 */
class BackupRestoreIT {

    private static final DemoPki PKI = DemoPki.create("Backup Test CA");
    private static final String[] NAMES = {"a.acme.test", "b.acme.test", "c.acme.test"};

    @TempDir
    Path dir;

    @Test
    void backupWipeRestoreServesEveryCertificateAgainOnBothNodes() throws Exception {
        try (NodeCluster cluster = NodeCluster.of(dir, "backup-it-", 2)) {
            List<NodeProcess> nodes = cluster.nodes;
            for (int i = 0; i < 2; i++) {
                cluster.add(String.join("\n", NodeCluster.LOOPBACK, "metrics: {enabled: false}", cluster.grid(i)));
            }
            String admin = cluster.startFirstAloneThenTheRest();
            cluster.tenantWithVerifiedDomain("acme", "*.acme.test");
            ConsoleClient c = nodes.get(0).console();
            TlsProbe probe = new TlsProbe(Pem.certificates(List.of(PKI.caCertificate())));
            Map<String, String> serials = new LinkedHashMap<>();
            for (String name : NAMES) {
                DemoPki.Issued cert = PKI.issueEc(name);
                TestNode.Reply up = c.call("POST", "/v1/certificates", admin, uploadBody("acme", cert));
                assertThat(up.status()).as(up.body()).isEqualTo(201);
                serials.put(name, cert.chain().get(0).getSerialNumber().toString(16));
            }
            for (NodeProcess n : nodes) {
                awaitServing(probe, n, serials);
            }

            // taken from the running node
            Path backup = dir.resolve("gatehouse.backup");
            Map.Entry<Integer, String> b = cli("backup", "--config", dir.resolve("node1/gatehouse.yaml").toString(),
                    "--out", backup.toString());
            assertThat(b.getKey()).as(b.getValue()).isZero();
            assertThat(b.getValue()).contains("certificates=3").contains("the cluster key");

            for (NodeProcess n : nodes) {
                n.stop();
            }
            for (NodeProcess n : nodes) {
                Trees.delete(n.dataDir);
            }

            // one changed byte in the body: refused, nothing restored
            String text = Files.readString(backup);
            int at = text.indexOf("\"ciphertext\" : \"") + 30;
            Path tampered = Files.writeString(dir.resolve("tampered.backup"),
                    text.substring(0, at) + (text.charAt(at) == 'A' ? 'B' : 'A') + text.substring(at + 1));
            Map.Entry<Integer, String> refused = cli("restore", tampered.toString(), "--config",
                    dir.resolve("node1/gatehouse.yaml").toString());
            assertThat(refused.getKey()).as(refused.getValue()).isEqualTo(1);
            assertThat(refused.getValue()).contains("refused");

            Map.Entry<Integer, String> restored = cli("restore", backup.toString(), "--config",
                    dir.resolve("node1/gatehouse.yaml").toString());
            assertThat(restored.getKey()).as(restored.getValue()).isZero();
            assertThat(restored.getValue()).contains("certificates=3");

            nodes.get(0).start().awaitReady(); // re-seeds the empty grid from the restored store
            nodes.get(1).start().awaitReady(); // empty: catches up from the grid before it is ready
            for (NodeProcess n : nodes) {
                awaitServing(probe, n, serials);
            }

            // a running node's data directory is locked: restore refuses to write under it
            Map.Entry<Integer, String> busy = cli("restore", backup.toString(), "--config",
                    dir.resolve("node2/gatehouse.yaml").toString());
            assertThat(busy.getKey()).isEqualTo(1);
            assertThat(busy.getValue()).contains("in use by a running gatehouse node");
        }
    }
}
