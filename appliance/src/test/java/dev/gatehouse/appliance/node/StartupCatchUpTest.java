package dev.gatehouse.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.appliance.bench.ClusterBench;
import dev.gatehouse.appliance.config.ConfigLoader;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.tls.demo.DemoPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that starts from a snapshot is ready only once its engine serves what the snapshot holds.
 * The case that broke it (the 1,000,000-certificate run: 283,116 served at ready): a clustered node
 * whose tenant still has the claim list of an earlier release. The engine loads before the claims are
 * migrated, so it serves nothing at load; the migration's writes are delivered by whichever thread is
 * delivering already (the grid's event thread, busy with the node's own first push), so the node used
 * to say ready and take VIPs while that thread was still handing the certificates to the engine.
 */
class StartupCatchUpTest {

    private static final int CERTIFICATES = 3000;

    @Test
    void aClusteredNodeWithAnEarlierReleasesClaimListServesEveryCertificateWhenReady(@TempDir Path dir)
            throws Exception {
        byte[] clusterKey = new byte[32];
        new SecureRandom().nextBytes(clusterKey);
        Path keyFile = Files.write(dir.resolve("cluster.key"), clusterKey);
        Path data = dir.resolve("data");
        // tenant "bench" with the claim list ["*.bench.test"] and no claim records: what a node of the
        // release before proofs left behind
        ClusterBench.seed(data, clusterKey, DemoPki.create("Catch-up Test CA"), CERTIFICATES);
        String member = "127.0.0.1:" + ClusterBench.freePort();
        Node node = Node.start(ConfigLoader.parse("test", String.join("\n",
                "node: {name: n1, dataDir: '" + data + "'}",
                "listeners: {https: '127.0.0.1:0', http: 'off'}",
                "console: {listen: '127.0.0.1:0'}",
                "metrics: {listen: '127.0.0.1:0'}",
                "cluster: {enabled: true, name: catch-up-" + dir.getFileName() + ", bind: '" + member
                        + "', members: ['" + member + "'], keyFile: '" + keyFile + "'}", "")));
        try {
            assertThat(node.isReady()).isTrue();
            // the claim was migrated (verified without proof) and every certificate under it is served
            assertThat(node.store().records(RecordKinds.DOMAINS)).hasSize(1);
            assertThat(node.edge().registry().size()).isEqualTo(CERTIFICATES);
            for (int i : new int[] {0, CERTIFICATES / 2, CERTIFICATES - 1}) {
                assertThat(node.edge().registry().lookup("pre" + i + ".bench.test", true))
                        .as("pre%d.bench.test served when ready", i).isPresent();
            }
        } finally {
            node.close();
        }
    }
}
