package dev.gatehouse.tls.sni;

import io.netty.handler.ssl.SslContext;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;

/**
 * A bounded cache of TLS contexts, one per served bundle, built on first use.
 *
 * <p>Eviction is CLOCK (second chance) over a lock-free queue: the thread that inserts a context
 * evicts until the cache is back under its bound, so there is no background thread and no global
 * lock on the handshake path. With the reference-counted OpenSSL provider the cache owns one
 * reference; every {@link #acquire} returns a retained context, and each {@code SSLEngine} holds its
 * own reference, so evicting or invalidating a context never breaks a handshake or a connection
 * that is using it: the native context is freed when the last engine goes.
 */
final class ContextCache {

    private final int maximum;
    private final SslContextFactory factory;
    private final ConcurrentLinkedQueue<Served> clock = new ConcurrentLinkedQueue<>();
    private final AtomicInteger live = new AtomicInteger();
    private final LongAdder builds = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder buildNanos = new LongAdder();

    ContextCache(int maximum, SslContextFactory factory) {
        if (maximum < 1) {
            throw new IllegalArgumentException("maxContexts: " + maximum + " (expected: >= 1)");
        }
        this.maximum = maximum;
        this.factory = factory;
    }

    /** Returns the served bundle's context, retained for the caller (release it after {@code newEngine}). */
    SslContext acquire(Served served) throws SSLException {
        boolean first = true;
        for (;;) {
            SslContext ctx = served.context.get();
            if (first) {
                (ctx == null ? misses : hits).increment();
                first = false;
            }
            if (ctx == null) {
                long t0 = System.nanoTime();
                SslContext built = factory.build(served.bundle);
                buildNanos.add(System.nanoTime() - t0);
                builds.increment();
                if (!served.context.compareAndSet(null, built)) {
                    ReferenceCountUtil.release(built);
                    continue;
                }
                live.incrementAndGet();
                served.referenced = true; // so that the eviction below passes it over once
                clock.add(served);
                if (served.retired) {
                    invalidate(served); // removed while we were building: do not keep it cached
                }
                evictIfNeeded();
                ctx = built;
            }
            try {
                ReferenceCountUtil.retain(ctx);
            } catch (IllegalReferenceCountException released) {
                served.context.compareAndSet(ctx, null);
                continue;
            }
            served.referenced = true;
            return ctx;
        }
    }

    /** Drops the cached context of a replaced or removed bundle; live connections keep theirs. */
    void invalidate(Served served) {
        SslContext ctx = served.context.getAndSet(null);
        if (ctx != null) {
            live.decrementAndGet();
            ReferenceCountUtil.release(ctx);
        }
    }

    private void evictIfNeeded() {
        int budget = 2 * (live.get() + 1);
        while (live.get() > maximum && budget-- > 0) {
            Served candidate = clock.poll();
            if (candidate == null) {
                return;
            }
            if (candidate.context.get() == null) {
                continue;
            }
            if (candidate.referenced) {
                candidate.referenced = false;
                clock.add(candidate);
                continue;
            }
            SslContext ctx = candidate.context.getAndSet(null);
            if (ctx != null) {
                live.decrementAndGet();
                evictions.increment();
                ReferenceCountUtil.release(ctx);
            }
        }
    }

    int size() {
        return live.get();
    }

    long builds() {
        return builds.sum();
    }

    long evictions() {
        return evictions.sum();
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }

    long buildNanos() {
        return buildNanos.sum();
    }

    int maximum() {
        return maximum;
    }
}
