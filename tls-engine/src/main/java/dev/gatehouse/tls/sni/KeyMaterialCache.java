package dev.gatehouse.tls.sni;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded cache of per-bundle {@link KeyMaterial}, built on first use, off the event loop, once.
 *
 * <p>Threads: the handshake path ({@link #acquire}, any I/O thread) only reads the cache or joins a
 * build; builds for handshakes run on {@code builders} (a small bounded pool), builds ahead of them
 * ({@link #preload}) on the preloader's own thread; {@link #invalidate} runs on the registry's writer. Caffeine bounds the cache (W-TinyLFU) and runs its upkeep on the calling thread,
 * so an evicted entry is released during the write that evicted it.
 *
 * <p>Single flight: a miss joins the build in progress for the same bundle, if any, through
 * {@link #inflight}; a build puts its result in the cache before leaving {@code inflight}, so a miss
 * that found neither re-checks the cache before starting one. Many concurrent first handshakes for
 * one name therefore build once.
 *
 * <p>Release: the cache owns one reference to each material. {@link #invalidate} (a replaced or
 * removed bundle) takes the entry out and releases it at once, so no key stays reachable from the
 * cache; a build that finishes for a bundle retired meanwhile hands its result to the handshakes
 * that waited and does not cache it. (Such a handshake serves the bundle it selected before the
 * change, as one that had already started would.)
 */
final class KeyMaterialCache {

    private static final Logger log = LoggerFactory.getLogger(KeyMaterialCache.class);

    /** Builds the material of a bundle; runs on a builder thread. */
    interface Builder {
        KeyMaterial build(Served served) throws SSLException;
    }

    private final Cache<Served, KeyMaterial> cache;
    private final ConcurrentHashMap<Served, CompletableFuture<KeyMaterial>> inflight = new ConcurrentHashMap<>();
    private final Builder builder;
    private final Executor builders;
    private final int maximum;
    private final LongAdder builds = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder buildNanos = new LongAdder();
    private final LongAdder buildFailures = new LongAdder();

    KeyMaterialCache(int maximum, Builder builder, Executor builders) {
        if (maximum < 1) {
            throw new IllegalArgumentException("maxContexts: " + maximum + " (expected: >= 1)");
        }
        this.maximum = maximum;
        this.builder = builder;
        this.builders = builders;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximum)
                .executor(Runnable::run)
                .<Served, KeyMaterial>evictionListener((served, material, cause) -> {
                    if (material != null && cause.wasEvicted()) {
                        evictions.increment();
                        material.release();
                    }
                })
                .build();
    }

    /**
     * The material of {@code served}, retained for the caller (who releases it once its engine exists).
     * Completes at once when cached; otherwise when the build finishes, on the builder thread. Completes
     * with null when the bundle was retired and its material released before the caller could retain
     * it: the caller selects again. Fails when the build fails or the build queue is full.
     */
    CompletableFuture<KeyMaterial> acquire(Served served) {
        KeyMaterial cached = retainCached(served);
        if (cached != null) {
            hits.increment();
            return CompletableFuture.completedFuture(cached);
        }
        misses.increment();
        return build(served).thenApply(RETAIN);
    }

    /**
     * Builds the material of {@code served} ahead of any handshake (unless cached or being built), for the
     * cache to keep; not counted as a hit or miss. The build runs on the calling thread (the preloader's,
     * never an I/O thread), so preloading neither pays a hand-off per build nor keeps a builder from the
     * first handshakes; a handshake that misses meanwhile joins it. Completes when it is cached (or failed).
     */
    CompletableFuture<?> preload(Served served) {
        if (cache.policy().getIfPresentQuietly(served) != null) {
            return CompletableFuture.completedFuture(null);
        }
        return build(served, Runnable::run);
    }

    /** Entries now, without running the cache's upkeep first. */
    long estimatedSize() {
        return cache.estimatedSize();
    }

    /** The cached material of {@code served}, retained, or null (not cached, or released meanwhile). */
    KeyMaterial retainCached(Served served) {
        KeyMaterial m = cache.getIfPresent(served);
        return m != null && m.tryRetain() ? m : null;
    }

    private static final Function<KeyMaterial, KeyMaterial> RETAIN = m -> m.tryRetain() ? m : null;

    /** The build of {@code served} in progress, or a new one; its result is not retained for anyone. */
    private CompletableFuture<KeyMaterial> build(Served served) {
        return build(served, builders);
    }

    /** {@link #build(Served)}, a new build running on {@code where}. */
    private CompletableFuture<KeyMaterial> build(Served served, Executor where) {
        CompletableFuture<KeyMaterial> mine = new CompletableFuture<>();
        CompletableFuture<KeyMaterial> running = inflight.putIfAbsent(served, mine);
        if (running != null) {
            return running;
        }
        KeyMaterial justBuilt = cache.policy().getIfPresentQuietly(served); // a build that finished after our miss
        if (justBuilt != null) {
            inflight.remove(served, mine);
            mine.complete(justBuilt);
            return mine;
        }
        try {
            where.execute(() -> run(served, mine));
        } catch (RejectedExecutionException e) {
            inflight.remove(served, mine);
            buildFailures.increment();
            mine.completeExceptionally(new SSLException("bundle " + served.bundle.id()
                    + ": key material build queue full (expected: fewer concurrent first handshakes)", e));
        }
        return mine;
    }

    private void run(Served served, CompletableFuture<KeyMaterial> result) {
        KeyMaterial built;
        long t0 = System.nanoTime();
        try {
            built = builder.build(served);
        } catch (Exception | LinkageError e) {
            buildFailures.increment();
            inflight.remove(served, result);
            log.warn("event=key_material_failed bundle={} cause={}", served.bundle.id(), e.toString());
            result.completeExceptionally(e);
            return;
        }
        buildNanos.add(System.nanoTime() - t0);
        builds.increment();
        // `built` holds one reference for this build until the end, so that the handshakes waiting
        // for it can retain it even if the cache evicts it (or the bundle is retired) right away
        if (!served.retired) {
            built.retain(); // the cache's reference
            if (cache.asMap().putIfAbsent(served, built) != null) {
                built.release(); // a concurrent build's result is cached instead (after an eviction race)
            }
        }
        inflight.remove(served, result);
        result.complete(built); // waiters retain here
        if (served.retired) {
            invalidate(served); // retired while we built: not cached, or out of the cache now
        }
        built.release();
    }

    /** Drops and releases the material of a replaced or removed bundle; live connections keep theirs. */
    void invalidate(Served served) {
        KeyMaterial m = cache.asMap().remove(served);
        if (m != null) {
            m.release();
        }
    }

    /** Drops and releases every cached material (builds in progress still complete and cache theirs). */
    void invalidateAll() {
        for (Served s : cache.asMap().keySet()) {
            invalidate(s);
        }
    }

    boolean isCached(Served served) {
        return cache.policy().getIfPresentQuietly(served) != null;
    }

    /** Visits every cached material (e.g. to install new ticket keys on per-bundle contexts). */
    void forEach(java.util.function.Consumer<KeyMaterial> action) {
        cache.asMap().values().forEach(action);
    }

    int size() {
        cache.cleanUp();
        return (int) cache.estimatedSize();
    }

    int maximum() {
        return maximum;
    }

    ContextStats stats() {
        return new ContextStats(builds.sum(), buildFailures.sum(), evictions.sum(), hits.sum(), misses.sum(),
                buildNanos.sum());
    }
}
