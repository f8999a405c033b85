package dev.gatehouse.appliance.bench;

import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Scale benchmark (figures, not a test; issue 15): a 3-node cluster holding every certificate of a
 * {@code gen-certs.sh} directory (1,000,000 in the documented run). Node 1 starts from a snapshot seeded with
 * the directory, nodes 2 and 3 join one after the other; per node the time from exec to ready, its CPU seconds
 * and RSS at ready, the certificates its status reports, its RSS after a settle, and its CPU over an idle
 * window (what the cluster costs when nothing changes, anti-entropy passes included); then the time from an
 * upload on node 1 to the first handshake serving it on node 2. Run through {@code bench/cluster-scale.sh}.
 *
 * <p>Arguments: workDir certDir uploads. Properties: {@code gatehouse.node.heap} (each node's -Xmx),
 * {@code gatehouse.scale.ready} (seconds a node may take to be ready), {@code gatehouse.scale.settle} and
 * {@code gatehouse.scale.idle} (seconds).
 */
public final class ClusterScaleBench {

    private ClusterScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path certDir = Path.of(args[1]);
        int uploads = Integer.parseInt(args[2]);
        long readyTimeout = Long.getLong("gatehouse.scale.ready", 1800);
        long settle = Long.getLong("gatehouse.scale.settle", 30);
        long idle = Long.getLong("gatehouse.scale.idle", 65);
        Files.createDirectories(work);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path clusterKey = Files.write(work.resolve("cluster.key"), key);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add("127.0.0.1:" + ClusterBench.freePort());
        }

        long t0 = System.nanoTime();
        int certificates = ClusterBench.seedFromDirectory(work.resolve("n1/data"), key, certDir);
        System.out.printf("INFO seeded %d certificates into node 1's snapshot in %.1f s%n", certificates,
                (System.nanoTime() - t0) / 1e9);
        System.gc(); // the parsed directory is garbage now: give its heap back before three nodes start beside us

        List<NodeProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path dir = work.resolve("n" + (i + 1));
                NodeProcess node = new NodeProcess(dir, ClusterBench.yaml(work, members, i, clusterKey));
                nodes.add(node);
                long s0 = System.nanoTime();
                node.start().awaitReady(readyTimeout);
                double ready = (System.nanoTime() - s0) / 1e9;
                long rss = node.rssKb();
                double cpu = ClusterBench.cpuSeconds(dir);
                System.out.printf("RESULT scale node=%d role=%s certificates=%d ready_s=%.1f cpu_s_at_ready=%.1f "
                        + "rss_mb_at_ready=%d served=%d%n", i + 1, i == 0 ? "from-snapshot" : "joined", certificates,
                        ready, cpu, rss / 1024, served(nodes.get(0), node));
            }
            Thread.sleep(settle * 1000);
            double[] before = new double[3];
            for (int i = 0; i < 3; i++) {
                before[i] = ClusterBench.cpuSeconds(work.resolve("n" + (i + 1)));
                System.out.printf("RESULT scale node=%d rss_mb_after_%ds=%d served=%d%n", i + 1, settle,
                        nodes.get(i).rssKb() / 1024, served(nodes.get(0), nodes.get(i)));
            }
            Thread.sleep(idle * 1000);
            for (int i = 0; i < 3; i++) {
                double used = ClusterBench.cpuSeconds(work.resolve("n" + (i + 1))) - before[i];
                System.out.printf("RESULT scale node=%d idle_window_s=%d idle_cpu_s=%.1f rss_mb=%d%n", i + 1, idle,
                        used, nodes.get(i).rssKb() / 1024);
            }
            if (uploads > 0) {
                DemoPki pki = DemoPki.create("Cluster Scale Bench CA");
                String admin = Files.readString(nodes.get(0).dataDir.resolve("admin.token")).trim();
                TlsProbe probe = new TlsProbe(Pem.certificates(List.of(pki.caCertificate())));
                long[] latencies = ClusterBench.uploadLatencies(nodes.get(0).console(), admin, pki, probe,
                        nodes.get(1).httpsPort, uploads);
                System.out.printf("RESULT scale propagation certificates=%d uploads=%d p50_ms=%.1f p90_ms=%.1f "
                        + "p99_ms=%.1f max_ms=%.1f%n", certificates, uploads,
                        ClusterBench.ms(ClusterBench.pct(latencies, 50)), ClusterBench.ms(ClusterBench.pct(latencies, 90)),
                        ClusterBench.ms(ClusterBench.pct(latencies, 99)),
                        ClusterBench.ms(latencies[latencies.length - 1]));
            }
        } finally {
            for (int i = 0; i < nodes.size(); i++) {
                nodes.get(i).close();
                // the node's own lines (its ready line says how many certificates it loaded), kept by the script
                Files.write(work.resolve("node" + (i + 1) + ".log"), nodes.get(i).log);
            }
        }
    }

    /** The certificate count {@code node}'s status reports (admin token of node 1: the cluster shares it), or -1. */
    private static int served(NodeProcess first, NodeProcess node) {
        try {
            String admin = Files.readString(first.dataDir.resolve("admin.token")).trim();
            return node.console().call("GET", "/v1/status", admin, null).json().get("certificates").asInt();
        } catch (Exception e) {
            System.out.println("INFO status not read: " + e);
            return -1;
        }
    }
}
