package dev.gatehouse.appliance.bench;

import dev.gatehouse.tls.testing.TlsProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTPS load beside the propagation figure: {@code threads} JDK TLS clients making full handshakes
 * in a loop, each for a random preloaded name ({@code pre<i>.bench.test}) on one of the given ports,
 * until {@link #stop()} or for at most 15 minutes. With 0 threads it does nothing.
 */
final class HttpsLoad {

    private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(15);

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong handshakes = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final long started = System.nanoTime();

    private HttpsLoad() {
    }

    static HttpsLoad start(int threads, TlsProbe probe, List<Integer> ports, int names) {
        HttpsLoad load = new HttpsLoad();
        for (int i = 0; i < threads && names > 0; i++) {
            Thread t = new Thread(() -> load.run(probe, ports, names), "bench-https-load-" + i);
            t.setDaemon(true);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    private void run(TlsProbe probe, List<Integer> ports, int names) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get() && System.nanoTime() - started < MAX_NANOS) {
            int port = ports.get(random.nextInt(ports.size()));
            try {
                probe.leaf(port, "pre" + random.nextInt(names) + ".bench.test");
                handshakes.incrementAndGet();
            } catch (Exception e) {
                errors.incrementAndGet();
            }
        }
    }

    /** Stops the clients; the figures for the RESULT line ("" without load). */
    String stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (threads.isEmpty()) {
            return "";
        }
        double secs = (System.nanoTime() - started) / 1e9;
        return String.format(" https_load_threads=%d handshakes_per_s=%.0f handshake_errors=%d", threads.size(),
                handshakes.get() / secs, errors.get());
    }
}
