import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.CertificateDirectory;
import dev.gatehouse.tls.sni.CertificateRegistry;
import dev.gatehouse.tls.sni.SslContextFactory;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Synth DIR TOTAL MAXCTX: loads DIR's real bundles, then clones them (fresh arrays and strings, new id and
 *  name) up to TOTAL, puts all into a CertificateRegistry like EnginePart does, and reports heap after GC. */
public class Synth {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int total = Integer.parseInt(a[1]);
        int maxCtx = Integer.parseInt(a[2]);
        long c0 = cpu(), t0 = System.nanoTime();
        CertificateDirectory.Result r = CertificateDirectory.load(dir, Instant.now(), 1);
        List<CertificateBundle> real = r.bundles();
        long c1 = cpu();
        System.out.printf("real bundles=%d errors=%d parse_cpu_s=%.2f per_cert_us=%.1f%n", real.size(), r.errors().size(),
                (c1 - c0) / 1e9, (c1 - c0) / 1e3 / real.size());
        List<CertificateBundle> all = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            CertificateBundle b = real.get(i % real.size());
            if (i < real.size()) { all.add(b); continue; }
            String name = String.format("s%07d.tenant.test", i);
            List<byte[]> der = new ArrayList<>();
            for (byte[] d : b.chainDer()) der.add(d.clone());
            all.add(new CertificateBundle(name, List.of(name), b.keyType(), Instant.ofEpochSecond(b.notBefore().getEpochSecond()),
                    Instant.ofEpochSecond(b.notAfter().getEpochSecond()), der, b.keyPkcs8().clone(),
                    new String(b.fingerprint().toCharArray()), new String(b.issuer().toCharArray()),
                    new String(b.serial().toCharArray())));
        }
        gc();
        long bundlesOnly = used();
        CertificateRegistry reg = new CertificateRegistry(new SslContextFactory(true, true, 300), maxCtx);
        long c2 = cpu();
        reg.putAll(all);
        long c3 = cpu();
        System.out.printf("putAll n=%d cpu_s=%.2f%n", total, (c3 - c2) / 1e9);
        all = null; real = null; r = null;
        Thread.sleep(Long.parseLong(a.length > 3 ? a[3] : "20000")); // preloader
        gc();
        long withReg = used();
        System.out.printf("heap_used_mb bundles_list=%d after_registry=%d (per cert %d B)%n", bundlesOnly >> 20, withReg >> 20,
                withReg / total);
        System.out.println("registry size=" + reg.size() + " cached_contexts=" + reg.cachedContexts());
        System.out.println("PID " + ProcessHandle.current().pid() + " waiting for jcmd");
        Thread.sleep(Long.parseLong(a.length > 4 ? a[4] : "0"));
        System.out.println("end " + reg.size());
    }
    static long cpu() { return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(); }
    static void gc() { for (int i = 0; i < 3; i++) System.gc(); }
    static long used() { Runtime rt = Runtime.getRuntime(); return rt.totalMemory() - rt.freeMemory(); }
}
