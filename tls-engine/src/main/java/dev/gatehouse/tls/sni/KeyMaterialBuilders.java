package dev.gatehouse.tls.sni;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that build key material on a cache miss, so that an I/O thread never parses a key.
 *
 * <p>Bounded both ways: at most a quarter of the cores (one to four threads; a BoringSSL credential
 * takes tens of microseconds, so one thread keeps up with several I/O threads' first handshakes) and a
 * queue of {@value #QUEUE} builds (one per distinct bundle in flight, as concurrent first handshakes
 * of a name join one build). Beyond that a first handshake is refused rather than queued without
 * limit. Daemon threads that exit when idle, so nothing needs shutting down.
 */
final class KeyMaterialBuilders {

    static final int QUEUE = 65_536;

    private KeyMaterialBuilders() {
    }

    private static final class Holder {
        static final ThreadPoolExecutor SHARED = newPool(
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 4)), QUEUE);
    }

    /** The process-wide pool every registry uses unless given another. */
    static ThreadPoolExecutor shared() {
        return Holder.SHARED;
    }

    /**
     * One thread that walks newly loaded bundles and builds their material ahead of handshakes, one at a
     * time, itself (see {@link KeyMaterialPreloader}): it never takes a builder from a first handshake.
     */
    static ThreadPoolExecutor newPreloader() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "gatehouse-keymat-preload");
                    t.setDaemon(true);
                    t.setPriority(Thread.MIN_PRIORITY);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    static ThreadPoolExecutor newPool(int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "gatehouse-keymat-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), factory, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
