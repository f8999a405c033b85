import dev.gatehouse.appliance.accesslog.AccessLog;
import dev.gatehouse.appliance.config.GatehouseConfig;
import dev.gatehouse.appliance.metrics.MetricsObserver;
import dev.gatehouse.tls.observe.RequestRecord;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.UUID;

/**
 * What the "on" node's observers cost per request, without a network or a load generator: CPU time
 * (ThreadMXBean) of {@link MetricsObserver#onRequest} and {@link AccessLog#onRequest} on the calling
 * thread (the event loop's share), of the access-log writer thread per line, and of one OpenMetrics
 * scrape of the registry on the calling thread. Records look like the benchmark's (h1 and h2
 * alternating, 64 connections in turn, one backend, a fresh request id each). Requests come in groups of 32 with about 1 ms of spinning
 * between groups, the rest of those requests' work on a core the writer shares.
 *
 * <p>Run by {@code bench/observer-cost.sh}: {@code java -cp gatehouse.jar ObserverCost.java LOGFILE N}.
 * A development aid for finding the per-request costs that {@code bench/observability-cpu.sh} adds up;
 * the figures include one CPU-clock read per group of 32 (printed last, to subtract).
 */
public class ObserverCost {

    public static void main(String[] args) throws Exception {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        MetricsObserver metrics = new MetricsObserver(registry, 0, 0, id -> null);
        AccessLog log = AccessLog.start(new GatehouseConfig.AccessLog(true, args[0], List.of(), false, 1, 100, 65536),
                "node1", id -> null);
        int n = Integer.parseInt(args[1]);
        // optional: KiB of memory written between two groups, as the rest of those requests' work would
        // (network buffers, TLS, other connections): the observers then run with the caches a node leaves them
        byte[] thrash = new byte[(args.length > 2 ? Integer.parseInt(args[2]) : 0) * 1024];
        // 64 keep-alive connections taking turns, as h1 -c 64 makes them: the line before is another one's
        InetSocketAddress[] clients = new InetSocketAddress[64];
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new InetSocketAddress("127.0.0.1", 40000 + 7 * c);
        }
        Thread writer = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("gatehouse-access-log")).findFirst().orElseThrow();
        RequestRecord[] group = new RequestRecord[32];
        for (int round = 1; round <= 6; round++) {
            long tm = 0;
            long tl = 0;
            long w0 = cpu.getThreadCpuTime(writer.getId());
            for (int i = 0; i < n; i += group.length) {
                for (int j = 0; j < group.length; j++) {
                    int k = i + j;
                    group[j] = new RequestRecord(System.currentTimeMillis(), clients[k % clients.length],
                            "t000001.tenant.test",
                            "t000001.tenant.test:18457", "t000001", "app", "127.0.0.1:18080", "GET", "/",
                            k % 2 == 0 ? "HTTP/1.1" : "HTTP/2", 200, 0, 612, 1_200_000, 0, 180_000 + k % 1000,
                            250_000 + k % 1000, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "X25519", false,
                            UUID.randomUUID().toString(), null, null, null);
                }
                long t0 = cpu.getCurrentThreadCpuTime();
                for (RequestRecord r : group) {
                    metrics.onRequest(r);
                }
                long t1 = cpu.getCurrentThreadCpuTime();
                for (RequestRecord r : group) {
                    log.onRequest(r);
                }
                tl += cpu.getCurrentThreadCpuTime() - t1;
                tm += t1 - t0;
                for (int b = 0; b < thrash.length; b += 64) {
                    thrash[b]++;
                }
                long until = System.nanoTime() + 1_000_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            System.out.printf("round %d: metrics observer %.0f ns, access-log line %.0f ns per request on the caller;"
                    + " writer thread %.0f ns per line%n", round, (double) tm / n, (double) tl / n,
                    (double) (cpu.getThreadCpuTime(writer.getId()) - w0) / n);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        for (int batch = 1; batch <= 5; batch++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < 100; i++) {
                out.reset();
                registry.scrape(out, "application/openmetrics-text; version=1.0.0; charset=utf-8");
            }
            System.out.printf("scrapes %d-%d: %.0f µs CPU per scrape on the caller (%d bytes; JIT threads not counted)%n",
                    batch * 100 - 99, batch * 100, (cpu.getCurrentThreadCpuTime() - t0) / 100 / 1e3, out.size());
        }
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < 10_000; i++) {
            cpu.getCurrentThreadCpuTime();
        }
        System.out.printf("one CPU-clock read: %.0f ns (per group of 32: %.0f ns per request to subtract)%n",
                (cpu.getCurrentThreadCpuTime() - t0) / 1e4, (cpu.getCurrentThreadCpuTime() - t0) / 1e4 / 32);
        log.close();
    }
}
