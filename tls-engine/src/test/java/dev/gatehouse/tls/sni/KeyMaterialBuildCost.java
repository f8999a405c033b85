package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.testing.TestPki;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslCredentialBuilder;
import io.netty.handler.ssl.PemPrivateKey;
import io.netty.handler.ssl.PemX509Certificate;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLCredential;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * What building one bundle's key material costs, and where: CPU time per operation of this thread
 * (so a loaded machine inflates it less than wall time), for the whole build and for each of its
 * steps (Java, Netty, BoringSSL alone), over distinct P-256 bundles; first while the JIT warms up,
 * then steady; then the RSS each credential held adds. With {@code preload} as the third argument
 * instead: the CPU a registry spends preloading (its key material threads, and the whole process)
 * per bundle, round after round. Not a test: run it by hand (see the sni package notes).
 *
 * <pre>mvn -B -q -pl tls-engine test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xms96m -Xmx96m -XX:+AlwaysPreTouch \
 *     -cp tls-engine/target/test-classes:tls-engine/target/classes:$(cat /tmp/cp.txt) \
 *     dev.gatehouse.tls.sni.KeyMaterialBuildCost [bundles=500] [rounds=40] [credentials held=20000 | preload]</pre>
 */
public final class KeyMaterialBuildCost {

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private KeyMaterialBuildCost() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        TestPki pki = new TestPki();
        List<CertificateBundle> ec = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ec.add(pki.ec("b" + i, "t" + i + ".cost.test"));
        }
        SslContextFactory factory = new SslContextFactory(true, true, 300);
        System.out.println("provider=" + factory.providerName() + " shares=" + factory.sharesContexts()
                + " bundles=" + n + " rounds=" + rounds);
        if (args.length > 2 && args[2].equals("preload")) {
            for (int r = 1; r <= rounds; r++) {
                preload(factory, ec, r);
            }
            return;
        }
        CertificateRegistry registry = new CertificateRegistry(factory, n * 2);
        registry.preloadKeyMaterial(false);

        // right after start: the first builds of a fresh JVM, through the registry's own build path
        List<Served> served = new ArrayList<>();
        for (CertificateBundle b : ec) {
            served.add(new Served(b));
        }
        int first = Math.min(200, n);
        long c0 = cpu();
        long w0 = System.nanoTime();
        for (int i = 0; i < first; i++) {
            registry.acquire(served.get(i)).join().release();
        }
        report("first " + first + " acquires in a fresh JVM (wall, build on a builder thread)",
                System.nanoTime() - w0, first);
        report("first " + first + " acquires, this thread's CPU (hand-off and wait)", cpu() - c0, first);
        registry.close();

        int ops = n * rounds;
        for (int pass = 1; pass <= 2; pass++) {
            System.out.println("-- pass " + pass + (pass == 1 ? " (JIT warming)" : " (steady)"));
            measure("whole build: sessionIdContext + credential + release", ec, rounds, b -> {
                SslContextFactory.sessionIdContext(b);
                factory.credential(b, null).release();
            });
            measure("  sessionIdContext (SHA-256 of id/fingerprint)", ec, rounds, SslContextFactory::sessionIdContext);
            measure("  PemBytes.chain (base64 of the chain)", ec, rounds, b -> PemBytes.chain(b.chainDer()));
            measure("  EcPublicKeyInKey.complete", ec, rounds,
                    b -> EcPublicKeyInKey.complete(b.keyPkcs8(), b.chainDer().get(0)));
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> chains = new ArrayList<>();
            for (CertificateBundle b : ec) {
                keys.add(PemBytes.privateKey(EcPublicKeyInKey.complete(b.keyPkcs8(), b.chainDer().get(0))));
                chains.add(PemBytes.chain(b.chainDer()));
            }
            measure("  PemBytes.privateKey (base64 of the key)", ec, rounds,
                    b -> PemBytes.privateKey(b.keyPkcs8()));
            measureIndexed("  native: wrap + BIO copy + PEM parse of key and chain + credential + release", n, rounds,
                    i -> {
                        PemX509Certificate chain = PemX509Certificate.valueOf(chains.get(i));
                        PemPrivateKey key = PemPrivateKey.valueOf(keys.get(i).clone());
                        try {
                            OpenSslCredential c = OpenSslCredentialBuilder.forX509(key, chain).build();
                            c.release();
                        } finally {
                            key.release();
                            chain.release();
                        }
                    });
            measureIndexed("  native, key without its public point (BoringSSL recomputes it)", n, rounds, i -> {
                CertificateBundle b = ec.get(i);
                PemX509Certificate chain = PemX509Certificate.valueOf(chains.get(i));
                PemPrivateKey key = PemPrivateKey.valueOf(PemBytes.privateKey(b.keyPkcs8()));
                try {
                    OpenSslCredentialBuilder.forX509(key, chain).build().release();
                } finally {
                    key.release();
                    chain.release();
                }
            });
            measureIndexed("    BoringSSL alone: PEM parse of the key (EC key check included)", n, rounds,
                    i -> SSL.freePrivateKey(SSL.parsePrivateKey(bio(keys.get(i)), null)));
            measureIndexed("    BoringSSL alone: PEM parse of the chain", n, rounds,
                    i -> SSL.freeX509Chain(SSL.parseX509Chain(bio(chains.get(i)))));
            measureIndexed("    BoringSSL alone: key + chain + SSL_CREDENTIAL (checks key matches leaf) + free", n,
                    rounds, i -> {
                        long key = SSL.parsePrivateKey(bio(keys.get(i)), null);
                        long chain = SSL.parseX509Chain(bio(chains.get(i)));
                        long credential = SSLCredential.newX509();
                        try {
                            SSLCredential.setPrivateKey(credential, key);
                            SSLCredential.setCertChain(credential, chain);
                        } finally {
                            SSLCredential.free(credential);
                            SSL.freePrivateKey(key);
                            SSL.freeX509Chain(chain);
                        }
                    });
            ThreadPoolExecutor pool = KeyMaterialBuilders.shared();
            measureIndexed("hand-off: builder pool execute + complete + join (no build)", n, rounds, i -> {
                CompletableFuture<Object> f = new CompletableFuture<>();
                pool.execute(() -> f.complete(null));
                f.join();
            });
        }
        System.out.println("(" + ops + " ops per line)");
        memory(factory, ec, args.length > 2 ? Integer.parseInt(args[2]) : 20_000);
    }

    /**
     * Preloading as a registry does it when bundles are added: process CPU (every thread: preloader,
     * builders, JIT, GC) per bundle, from {@code putAll} until every material is cached.
     */
    private static void preload(SslContextFactory factory, List<CertificateBundle> bundles, int round)
            throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (CertificateRegistry registry = new CertificateRegistry(factory, bundles.size())) {
            long k0 = keymatCpu();
            long p0 = os.getProcessCpuTime();
            long c0 = cpu();
            registry.putAll(bundles);
            long deadline = System.nanoTime() + 600_000_000_000L;
            while (registry.cachedContexts() < bundles.size() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            long process = os.getProcessCpuTime() - p0 - (cpu() - c0); // less this thread's polling
            report("preload round " + round + ": process CPU per bundle (cached " + registry.cachedContexts() + ")",
                    process, bundles.size());
            report("preload round " + round + ": CPU of the key material threads per bundle", keymatCpu() - k0,
                    bundles.size());
        }
    }

    /** CPU so far of the live threads that build key material (preloader and builders). */
    private static long keymatCpu() {
        long sum = 0;
        for (java.lang.management.ThreadInfo t : CPU.getThreadInfo(CPU.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("gatehouse-keymat")) {
                sum += Math.max(0, CPU.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    /** Native memory (RSS) per credential kept: {@code count} credentials over the bundles, held at once. */
    private static void memory(SslContextFactory factory, List<CertificateBundle> bundles, int count)
            throws Exception {
        List<OpenSslCredential> kept = new ArrayList<>(count);
        System.gc();
        long before = rssKb();
        for (int i = 0; i < count; i++) {
            kept.add(factory.credential(bundles.get(i % bundles.size()), null));
        }
        System.gc();
        long after = rssKb();
        System.out.printf("RSS per credential held (%d held, heap included): %.2f KB%n", count,
                (after - before) / (double) count);
        kept.forEach(OpenSslCredential::release);
    }

    private static long rssKb() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static final ByteBuffer DIRECT = ByteBuffer.allocateDirect(64 * 1024);
    private static final long DIRECT_ADDRESS = PlatformDependent.directBufferAddress(DIRECT);

    /** A new memory BIO holding {@code bytes}; freed in batches, as Netty frees each after its parse. */
    private static long bio(byte[] bytes) throws Exception {
        DIRECT.clear();
        DIRECT.put(bytes);
        if (BIOS.size() >= 4096) {
            BIOS.forEach(SSL::freeBIO);
            BIOS.clear();
        }
        long bio = SSL.newMemBIO();
        SSL.bioWrite(bio, DIRECT_ADDRESS, bytes.length);
        BIOS.add(bio);
        return bio;
    }

    private static final List<Long> BIOS = new ArrayList<>();

    interface Step {
        void run(CertificateBundle b) throws Exception;
    }

    interface IndexedStep {
        void run(int i) throws Exception;
    }

    private static void measure(String what, List<CertificateBundle> bundles, int rounds, Step step)
            throws Exception {
        measureIndexed(what, bundles.size(), rounds, i -> step.run(bundles.get(i)));
    }

    private static void measureIndexed(String what, int n, int rounds, IndexedStep step) throws Exception {
        long c0 = cpu();
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) {
                step.run(i);
            }
        }
        report(what, cpu() - c0, (long) n * rounds);
    }

    private static void report(String what, long nanos, long ops) {
        System.out.printf("%-92s %9.2f us/op%n", what, nanos / 1000.0 / ops);
    }

    private static long cpu() {
        return CPU.getCurrentThreadCpuTime();
    }
}
