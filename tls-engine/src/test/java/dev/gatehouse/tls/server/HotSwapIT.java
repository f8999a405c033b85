package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.testing.TestEdge;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * While a bounded load runs against tenant A (new TLS connections and one keep-alive connection),
 * other tenants' certificates are added, replaced and removed 500 times: tenant A sees no failure,
 * and a replaced certificate is served on the next handshake.
 */
class HotSwapIT {

    private static final String A = "app.tenant-a.test";

    @Test
    void swapsCertificatesUnderLoadWithoutFailingTenantA() throws Exception {
        try (TestEdge edge = new TestEdge()) {
            edge.serveEc("tenant-a", A);
            List<CertificateBundle> pool = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                pool.add(edge.pki.ec("other-" + i, "o" + i + ".others.test"));
            }
            edge.registry.putAll(pool);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService load = Executors.newFixedThreadPool(3);
            List<Future<?>> loaders = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                loaders.add(load.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (!stop.get() && System.nanoTime() < deadline) {
                        try {
                            String r = edge.probe.get(edge.port(), A, "/");
                            if (r.startsWith("HTTP/1.1 200")) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                failures.add(r.lines().findFirst().orElse(""));
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            loaders.add(load.submit(() -> keepAliveLoop(edge, stop, ok, failed, failures)));

            int swaps = 0;
            int verified = 0;
            for (int i = 0; i < 500; i++) {
                int k = i % pool.size();
                switch (i % 3) {
                    case 0 -> { // replace, same id, new key and serial
                        CertificateBundle next = edge.pki.ec("other-" + k, "o" + k + ".others.test");
                        edge.registry.put(next);
                        if (i % 30 == 0) {
                            String served = edge.probe.leaf(edge.port(), "o" + k + ".others.test")
                                    .getSerialNumber().toString(16);
                            assertThat(served).isEqualTo(next.serial());
                            verified++;
                        }
                    }
                    case 1 -> edge.registry.remove("other-" + k);
                    default -> edge.serveEc("other-" + k, "o" + k + ".others.test");
                }
                swaps++;
            }
            stop.set(true);
            for (Future<?> f : loaders) {
                f.get(30, TimeUnit.SECONDS);
            }
            load.shutdown();

            assertThat(swaps).isEqualTo(500);
            assertThat(verified).isGreaterThanOrEqualTo(5);
            assertThat(failures).isEmpty();
            assertThat(failed.get()).isZero();
            assertThat(ok.get()).isGreaterThan(50);
            System.out.printf("hot swap: %d swaps, %d tenant-A requests ok, %d failed%n", swaps, ok.get(), failed.get());
        }
    }

    private static void keepAliveLoop(TestEdge edge, AtomicBoolean stop, AtomicLong ok, AtomicLong failed,
            List<String> failures) {
        try (SSLSocket s = edge.probe.connect(edge.port(), A)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!stop.get() && System.nanoTime() < deadline) {
                out.write(("GET /healthz HTTP/1.1\r\nHost: " + A + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readResponse(in);
                if (head.startsWith("HTTP/1.1 200")) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    failures.add("keep-alive: " + head);
                }
            }
        } catch (Exception e) {
            failed.incrementAndGet();
            failures.add("keep-alive: " + e);
        }
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after " + head);
            }
            head.append((char) c);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        int len = m.find() ? Integer.parseInt(m.group(1)) : 0;
        in.readNBytes(len);
        return head.toString();
    }
}
