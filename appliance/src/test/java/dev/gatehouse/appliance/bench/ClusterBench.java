package dev.gatehouse.appliance.bench;

import dev.gatehouse.appliance.testing.ConsoleClient;
import dev.gatehouse.appliance.testing.NodeProcess;
import dev.gatehouse.appliance.testing.TestNode;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.tls.demo.DemoPki;
import dev.gatehouse.tls.demo.Pem;
import dev.gatehouse.tls.testing.TlsProbe;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cluster benchmark (figures, not a test): with N certificates preloaded on 3 nodes, the time from an
 * acknowledged upload on node 1 to the first successful handshake for it on node 2 (p50/p99 over
 * U uploads); then the time for a fresh node to join and be ready with M certificates, and its RSS.
 * Run through bench/cluster-bench.sh, which prints the command and writes the results.
 *
 * <p>Arguments: workDir preload uploads joinCertificates
 */
public final class ClusterBench {

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int preload = Integer.parseInt(args[1]);
        int uploads = Integer.parseInt(args[2]);
        int joinCerts = Integer.parseInt(args[3]);
        Path joinDir = args.length > 4 ? Path.of(args[4]) : null; // a gen-certs.sh directory to join with
        Files.createDirectories(work);
        DemoPki pki = DemoPki.create("Cluster Bench CA");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path clusterKey = Files.write(work.resolve("cluster.key"), key);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            members.add("127.0.0.1:" + freePort());
        }

        if (uploads > 0) {
            propagation(work, key, pki, members, clusterKey, preload, uploads);
        } else {
            System.out.println("INFO uploads=0: propagation skipped, join only");
        }
        if (joinCerts > 0 || joinDir != null) {
            join(work, key, pki, members, clusterKey, joinCerts, joinDir);
        }
    }

    /** Preload, 3 nodes, uploads on node 1, handshakes on node 2. */
    private static void propagation(Path work, byte[] key, DemoPki pki, List<String> members, Path clusterKey,
            int preload, int uploads) throws Exception {
        seed(work.resolve("p1/data"), key, pki, preload);
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(new NodeProcess(work.resolve("p" + (i + 1)), yaml(work, members, i, clusterKey)));
            }
            nodes.get(0).start().awaitReady();
            nodes.get(1).start();
            nodes.get(2).start();
            nodes.get(1).awaitReady();
            nodes.get(2).awaitReady();
            String admin = Files.readString(nodes.get(0).dataDir.resolve("admin.token")).trim();
            ConsoleClient one = nodes.get(0).console();
            TlsProbe probe = new TlsProbe(Pem.certificates(List.of(pki.caCertificate())));
            HttpsLoad load = HttpsLoad.start(Integer.getInteger("gatehouse.bench.load", 0), probe,
                    List.of(nodes.get(0).httpsPort, nodes.get(1).httpsPort), preload);
            long[] latencies = uploadLatencies(one, admin, pki, probe, nodes.get(1).httpsPort, uploads);
            String underLoad = load.stop();
            System.out.printf("RESULT propagation preload=%d uploads=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f%s%n",
                    preload, uploads, ms(pct(latencies, 50)), ms(pct(latencies, 90)), ms(pct(latencies, 99)),
                    ms(latencies[latencies.length - 1]), underLoad);
        } finally {
            for (NodeProcess n : nodes) {
                n.close();
            }
        }
    }

    /**
     * Uploads {@code uploads} new certificates for {@code up<i>.bench.test} through {@code console} and, for each,
     * the nanoseconds from the 201 to the first handshake on {@code httpsPort} that serves its serial, sorted.
     */
    static long[] uploadLatencies(ConsoleClient console, String admin, DemoPki pki, TlsProbe probe, int httpsPort,
            int uploads) throws Exception {
        long[] latencies = new long[uploads];
        for (int i = 0; i < uploads; i++) {
            String name = "up" + i + ".bench.test";
            DemoPki.Issued c = pki.issueEc(name);
            String serial = c.leaf().getSerialNumber().toString(16);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tenant", "bench");
            m.put("certificatePem", new String(Pem.certificates(c.chain()), StandardCharsets.US_ASCII));
            m.put("privateKeyPem", new String(Pem.privateKey(c.key()), StandardCharsets.US_ASCII));
            TestNode.Reply r = console.call("POST", "/v1/certificates", admin, TestNode.json(m));
            if (r.status() != 201) {
                throw new IllegalStateException("upload " + i + ": " + r.body());
            }
            long acked = System.nanoTime();
            long deadline = acked + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    if (serial.equals(probe.leaf(httpsPort, name).getSerialNumber().toString(16))) {
                        break;
                    }
                } catch (Exception notYet) {
                    // refused until the certificate arrives
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("upload " + i + " not served on port " + httpsPort + " after 10 s");
                }
            }
            latencies[i] = System.nanoTime() - acked;
        }
        Arrays.sort(latencies);
        return latencies;
    }

    /**
     * A fresh node joins a 1-node cluster holding joinCerts certificates. {@code -Dgatehouse.join.jvm}
     * adds JVM options to the joiner only (e.g. {@code -XX:StartFlightRecording=filename=join.jfr}).
     */
    private static void join(Path work, byte[] key, DemoPki pki, List<String> members, Path clusterKey,
            int joinCerts, Path joinDir) throws Exception {
        Path seeded = work.resolve("j1/data");
        long t0 = System.nanoTime();
        if (joinDir != null) {
            joinCerts = seedFromDirectory(seeded, key, joinDir);
        } else {
            seed(seeded, key, pki, joinCerts);
        }
        System.out.printf("INFO seeded %d certificates in %.1f s%n", joinCerts, (System.nanoTime() - t0) / 1e9);
        try (NodeProcess first = new NodeProcess(work.resolve("j1"), yaml(work, members, 0, clusterKey));
                NodeProcess joiner = new NodeProcess(work.resolve("j4"), yaml(work, members, 3, clusterKey))) {
            long s0 = System.nanoTime();
            first.start().awaitReady();
            double firstReady = (System.nanoTime() - s0) / 1e9;
            // the joiner's options add up: heap, -Dgatehouse.join.jvm, a JFR recording, native memory tracking
            List<String> options = new ArrayList<>();
            options.add("-Xmx" + System.getProperty("gatehouse.node.heap", "256m"));
            String extra = System.getProperty("gatehouse.join.jvm", "").trim();
            if (!extra.isEmpty()) {
                options.addAll(List.of(extra.split("\\s+")));
            }
            String jfr = System.getProperty("gatehouse.join.jfr", "").trim();
            if (!jfr.isEmpty()) {
                options.add("-XX:StartFlightRecording=name=join,settings=profile");
            }
            String nmt = System.getProperty("gatehouse.join.nmt", "").trim();
            if (!nmt.isEmpty()) {
                options.add("-XX:NativeMemoryTracking=summary");
            }
            joiner.jvm(options.toArray(String[]::new));
            long j0 = System.nanoTime();
            joiner.start().awaitReady();
            double joinReady = (System.nanoTime() - j0) / 1e9;
            long rss = joiner.rssKb();
            double joinCpu = cpuSeconds(work.resolve("j4"));
            if (!jfr.isEmpty()) {
                // the node is killed at the end (no dump on exit): the recording up to ready is dumped now
                jcmd(pid(work.resolve("j4")), ProcessBuilder.Redirect.INHERIT, "JFR.dump", "name=join",
                        "filename=" + jfr);
                System.out.println("INFO joiner recording (exec to ready) in " + jfr);
            }
            if (!nmt.isEmpty()) {
                // where the RSS goes (heap committed, metaspace, code, threads, native buffers), read at ready
                jcmd(pid(work.resolve("j4")), ProcessBuilder.Redirect.to(new java.io.File(nmt)), "VM.native_memory",
                        "summary");
                System.out.println("INFO joiner native memory summary (at ready) in " + nmt);
            }
            // the RSS once the node has been idle a while: what it keeps after catch-up (JFR and NMT read at ready
            // above; neither collects garbage)
            long settleSeconds = Long.getLong("gatehouse.join.settle", 10);
            Thread.sleep(settleSeconds * 1000);
            long settledRss = joiner.rssKb();
            if (!nmt.isEmpty()) {
                // the same after the settle: whether the heap gave back what catch-up made it commit
                jcmd(pid(work.resolve("j4")), ProcessBuilder.Redirect.to(new java.io.File(nmt + ".settled")),
                        "VM.native_memory", "summary");
                System.out.println("INFO joiner native memory summary (at ready + " + settleSeconds + " s) in " + nmt
                        + ".settled");
            }
            String histogram = System.getProperty("gatehouse.join.histogram", "").trim();
            if (!histogram.isEmpty()) {
                // after every RSS and CPU reading: the histogram's full GC would change them
                jcmd(pid(work.resolve("j4")), ProcessBuilder.Redirect.to(new java.io.File(histogram)),
                        "GC.class_histogram");
                System.out.println("INFO joiner heap histogram (at ready + " + settleSeconds + " s) in " + histogram);
            }
            String admin = Files.readString(first.dataDir.resolve("admin.token")).trim();
            int seen;
            try {
                seen = joiner.console().call("GET", "/v1/status", admin, null).json().get("certificates").asInt();
            } catch (Exception e) {
                seen = -1; // (a loaded machine can time the status call out: the figures above still stand)
                System.out.println("INFO joiner status not read: " + e);
            }
            System.out.printf("RESULT join certificates=%d first_node_ready_s=%.1f join_ready_s=%.1f joiner_served=%d "
                    + "joiner_rss_mb=%d joiner_rss_after_%ds_mb=%d joiner_cpu_s=%.1f first_node_cpu_s=%.1f%n",
                    joinCerts, firstReady, joinReady, seen, rss / 1024, settleSeconds, settledRss / 1024, joinCpu,
                    cpuSeconds(work.resolve("j1")));
        }
    }

    /** Runs {@code jcmd PID COMMAND...} with its output (and errors) sent to {@code out}. */
    static void jcmd(long pid, ProcessBuilder.Redirect out, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        args.addAll(List.of(command));
        new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(out).start().waitFor();
    }

    /** Writes a tenant and n certificates straight into a node's snapshot, sealed with the cluster key. */
    public static void seed(Path dataDir, byte[] clusterKey, DemoPki pki, int n) throws Exception {
        Files.createDirectories(dataDir);
        byte[] master = Sealer.loadOrCreateKeyFile(dataDir.resolve("master.key"));
        Sealer sealer = Sealer.of(clusterKey, master);
        try (FileStore store = FileStore.open(dataDir, sealer)) {
            store.put(RecordKinds.TENANTS, new TenantRecord("bench", "bench", List.of("*.bench.test"), store.nextRevision(),
                    System.currentTimeMillis()));
            FileStoreAccess bulk = new FileStoreAccess(store);
            bulk.beginBulk();
            KeyPair shared = DemoPki.ecKeys(); // one key for every preloaded leaf: keygen is not what we measure
            byte[] keyDer = shared.getPrivate().getEncoded();
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (int i = 0; i < n; i++) {
                String name = "pre" + i + ".bench.test";
                DemoPki.Issued c = pki.issue(shared, Instant.now().minus(Duration.ofHours(1)),
                        Instant.now().plus(Duration.ofDays(90)), name);
                String id = "crt_pre" + i;
                long rev = store.nextRevision();
                byte[] der = c.leaf().getEncoded();
                CertificateRecord r = new CertificateRecord(id, "bench", List.of(name), rev,
                        new String(Pem.certificates(c.chain()), StandardCharsets.US_ASCII),
                        sealer.seal(keyDer, CertificateRecord.keyAad(id, List.of(name), rev)), "ECDSA-P-256",
                        c.leaf().getNotBefore().getTime(), c.leaf().getNotAfter().getTime(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der)),
                        c.leaf().getIssuerX500Principal().getName(), c.leaf().getSerialNumber().toString(16), false,
                        System.currentTimeMillis(), System.currentTimeMillis());
                bulk.apply("certificates", id, rev, json.writeValueAsString(r));
            }
            bulk.endBulk();
        }
    }

    /** Loads a gen-certs.sh directory (certs/ + keys/) into a node's snapshot, sealed with the cluster key. */
    static int seedFromDirectory(Path dataDir, byte[] clusterKey, Path certDir) throws Exception {
        Files.createDirectories(dataDir);
        byte[] master = Sealer.loadOrCreateKeyFile(dataDir.resolve("master.key"));
        Sealer sealer = Sealer.of(clusterKey, master);
        dev.gatehouse.tls.cert.CertificateDirectory.Result loaded = dev.gatehouse.tls.cert.CertificateDirectory.load(
                certDir, Instant.now(), Runtime.getRuntime().availableProcessors());
        try (FileStore store = FileStore.open(dataDir, sealer)) {
            store.put(RecordKinds.TENANTS, new TenantRecord("bench", "bench", List.of("*.bench.test", "*.tenant.test", "*.wild.test"),
                    store.nextRevision(), System.currentTimeMillis()));
            FileStoreAccess bulk = new FileStoreAccess(store);
            bulk.beginBulk();
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
            for (dev.gatehouse.tls.cert.CertificateBundle b : loaded.bundles()) {
                String id = "crt_" + b.id().replace('.', '_');
                long rev = store.nextRevision();
                StringBuilder chain = new StringBuilder();
                for (byte[] der : b.chainDer()) {
                    chain.append("-----BEGIN CERTIFICATE-----\n").append(b64.encodeToString(der))
                            .append("\n-----END CERTIFICATE-----\n");
                }
                CertificateRecord r = new CertificateRecord(id, "bench", b.names(), rev, chain.toString(),
                        sealer.seal(b.keyPkcs8(), CertificateRecord.keyAad(id, b.names(), rev)), b.keyType().toString(),
                        b.notBefore().toEpochMilli(), b.notAfter().toEpochMilli(), b.fingerprint(), b.issuer(), b.serial(),
                        false, System.currentTimeMillis(), System.currentTimeMillis());
                bulk.apply("certificates", id, rev, json.writeValueAsString(r));
            }
            bulk.endBulk();
        }
        return loaded.bundles().size();
    }

    /**
     * User + system CPU seconds so far of the node process started in {@code nodeDir} (a child of this JVM,
     * found by its config path), from /proc: less stretched than wall time on a shared machine. -1 when unknown.
     */
    static double cpuSeconds(Path nodeDir) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid(nodeDir) + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in USER_HZ
        } catch (Exception e) {
            return -1.0;
        }
    }

    /** The pid of the node process started in {@code nodeDir} (a child of this JVM, found by its config path), or -1. */
    static long pid(Path nodeDir) {
        String config = nodeDir.resolve("gatehouse.yaml").toString();
        return ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(config)).orElse(false))
                .findFirst().map(ProcessHandle::pid).orElse(-1L);
    }

    static String yaml(Path work, List<String> members, int index, Path clusterKey) {
        return String.join("\n",
                "listeners: {https: '127.0.0.1:0', http: 'off'}",
                "console: {listen: '127.0.0.1:0', maxUploadBytes: 64KiB}",
                "metrics: {listen: '127.0.0.1:0'}",
                "cluster:",
                "  enabled: true",
                "  name: bench-" + work.getFileName(),
                "  bind: '" + members.get(index) + "'",
                "  members: [" + String.join(", ", members.stream().map(m -> "'" + m + "'").toList()) + "]",
                "  keyFile: '" + clusterKey + "'", "");
    }

    static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
