package dev.gatehouse.tls.sni;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Builds key material ahead of handshakes: bundles added to the registry are queued, and one
 * low-priority thread has their material built, one at a time, while the cache has room. With a cache
 * that holds every certificate, the first handshake of a name right after start then costs what the
 * next one does; beyond the bound the rest is built on first use (and the queue is dropped).
 *
 * <p>While {@linkplain #hold() held} (a node loading its certificates) nothing is queued or built: the
 * builds would compete with the load for the CPU, and a node serves nothing before it is ready.
 * {@link #release} then queues the bundles live at that moment. (Nothing is queued while held, so a
 * bundle removed meanwhile is not kept reachable by the queue.)
 *
 * <p>Threads: {@link #offer} on the registry's writer, the drain on the preloader thread, which builds
 * each bundle itself ({@link KeyMaterialCache#preload}): no hand-off per build, and the builders stay
 * free for first handshakes that miss meanwhile.
 */
final class KeyMaterialPreloader {

    private final KeyMaterialCache cache;
    private final ConcurrentLinkedQueue<Served> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final ThreadPoolExecutor thread = KeyMaterialBuilders.newPreloader();
    private volatile boolean enabled = true;
    private volatile boolean held;

    KeyMaterialPreloader(KeyMaterialCache cache) {
        this.cache = cache;
    }

    void enabled(boolean on) {
        enabled = on;
        if (!on) {
            queue.clear();
        }
    }

    void offer(Served served) {
        if (enabled && !held) {
            queue.add(served);
            kick();
        }
    }

    /** Ignores what is offered from now on, until {@link #release}. */
    void hold() {
        held = true;
    }

    /** Preloads {@code live} (the bundles served now; a concurrent put may be offered twice, which is harmless) and what comes next. */
    void release(Collection<Served> live) {
        held = false;
        if (enabled) {
            queue.addAll(live);
            kick();
        }
    }

    /** Stops preloading, after waiting (at most 10 s) for the build the thread may be waiting for. */
    void stop() {
        enabled(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (draining.get() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void kick() {
        if (draining.compareAndSet(false, true)) {
            try {
                thread.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
            }
        }
    }

    private void drain() {
        try {
            for (Served s; (s = queue.poll()) != null;) {
                if (!enabled || cache.estimatedSize() >= cache.maximum()) {
                    queue.clear(); // full: the rest is built on first use
                    break;
                }
                if (!s.retired) {
                    try {
                        cache.preload(s).join();
                    } catch (RuntimeException failed) {
                        // logged by the cache; a handshake will try again
                    }
                }
            }
        } finally {
            draining.set(false);
        }
        if (enabled && !queue.isEmpty()) {
            kick();
        }
    }
}
