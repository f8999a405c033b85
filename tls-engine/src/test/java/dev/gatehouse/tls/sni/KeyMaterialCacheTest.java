package dev.gatehouse.tls.sni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.testing.TestPki;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link KeyMaterialCache} under concurrency, with real key material (BoringSSL credentials on shared
 * contexts, or JDK contexts): one build per bundle however many handshakes want it at once, and every
 * material released (reference count 0) once it is evicted, replaced or removed and its users are done.
 */
class KeyMaterialCacheTest {

    private static final TestPki PKI = new TestPki();
    private static final List<CertificateBundle> BUNDLES = new ArrayList<>();
    private static ThreadPoolExecutor builders;
    private static ExecutorService clients;

    private SharedServerContexts shared;
    /** Every material built, with the bundle it was built for. */
    private final List<KeyMaterial> built = new CopyOnWriteArrayList<>();
    private final Map<Served, AtomicInteger> buildsPerServed = new ConcurrentHashMap<>();

    @BeforeAll
    static void issue() {
        for (int i = 0; i < 12; i++) {
            BUNDLES.add(i % 3 == 0 ? PKI.rsa("b" + i, "b" + i + ".test") : PKI.ec("b" + i, "b" + i + ".test"));
        }
        builders = KeyMaterialBuilders.newPool(2, 10_000);
        clients = Executors.newFixedThreadPool(16);
    }

    @AfterAll
    static void stopPools() {
        builders.shutdownNow();
        clients.shutdownNow();
    }

    @AfterEach
    void closeContexts() {
        if (shared != null) {
            shared.close();
        }
    }

    private KeyMaterialCache cache(boolean boringSsl, int maximum) {
        SslContextFactory factory = new SslContextFactory(boringSsl, true, 300);
        shared = factory.sharesContexts() ? new SharedServerContexts(factory) : null;
        return new KeyMaterialCache(maximum, served -> {
            buildsPerServed.computeIfAbsent(served, s -> new AtomicInteger()).incrementAndGet();
            KeyMaterial m = shared != null
                    ? KeyMaterial.credential(shared, SslContextFactory.sessionIdContext(served.bundle),
                            factory.credential(served.bundle))
                    : KeyMaterial.context(factory.build(served.bundle));
            built.add(m);
            return m;
        }, builders);
    }

    @ParameterizedTest(name = "boringssl={0}")
    @ValueSource(booleans = {true, false})
    void manyConcurrentFirstHandshakesForOneBundleBuildOnce(boolean boringSsl) throws Exception {
        KeyMaterialCache cache = cache(boringSsl, 100);
        Served served = new Served(BUNDLES.get(1));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<KeyMaterial>> got = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            got.add(clients.submit(() -> {
                go.await();
                return cache.acquire(served).get(30, TimeUnit.SECONDS);
            }));
        }
        go.countDown();
        KeyMaterial first = got.get(0).get(30, TimeUnit.SECONDS);
        for (Future<KeyMaterial> f : got) {
            KeyMaterial m = f.get(30, TimeUnit.SECONDS);
            assertThat(m).isSameAs(first);
            m.release();
        }
        assertThat(cache.stats().builds()).isEqualTo(1);
        assertThat(buildsPerServed.get(served)).hasValue(1);
        assertThat(cache.stats().hits() + cache.stats().misses()).isEqualTo(64);
        // the builder drops its own reference just after handing the material to the waiters
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> first.refCnt() == 1); // only the cache's
        cache.invalidate(served);
        assertThat(first.refCnt()).as("released at once").isZero();
        assertThat(cache.isCached(served)).isFalse();
    }

    @Test
    void evictionBeyondTheBoundReleasesTheEvicted() throws Exception {
        KeyMaterialCache cache = cache(true, 3);
        for (CertificateBundle b : BUNDLES) {
            cache.acquire(new Served(b)).get(30, TimeUnit.SECONDS).release();
        }
        assertThat(cache.size()).isLessThanOrEqualTo(3);
        assertThat(cache.stats().builds()).isEqualTo(BUNDLES.size());
        assertThat(cache.stats().evictions()).isGreaterThanOrEqualTo(BUNDLES.size() - 3);
        await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                built.stream().filter(m -> m.refCnt() > 0).count() == cache.size()); // the cached ones only
        cache.invalidateAll();
        assertThat(built).allSatisfy(m -> assertThat(m.refCnt()).isZero());
    }

    /**
     * 16 threads take key material for random bundles (and use it: a handler, as a handshake would)
     * while another thread replaces bundles (a new {@code Served}, the old one retired and invalidated,
     * as the registry does). Afterwards: a bundle never retired was built exactly once, no retired
     * bundle's material is cached or referenced, and after {@code invalidateAll} nothing is.
     */
    @ParameterizedTest(name = "boringssl={0}")
    @ValueSource(booleans = {true, false})
    void acquiringWhileReplacingBuildsOncePerBundleAndLeaksNothing(boolean boringSsl) throws Exception {
        KeyMaterialCache cache = cache(boringSsl, 100);
        AtomicReferenceArray<Served> current = new AtomicReferenceArray<>(BUNDLES.size());
        for (int i = 0; i < BUNDLES.size(); i++) {
            current.set(i, new Served(BUNDLES.get(i)));
        }
        List<Served> retired = new CopyOnWriteArrayList<>();
        AtomicInteger nulls = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 15; t++) {
            work.add(clients.submit(() -> {
                go.await();
                for (int n = 0; n < 400; n++) {
                    Served s = current.get(ThreadLocalRandom.current().nextInt(BUNDLES.size()));
                    KeyMaterial m = cache.acquire(s).get(30, TimeUnit.SECONDS);
                    if (m == null) {
                        nulls.incrementAndGet(); // retired and released before we could retain: the registry selects again
                        continue;
                    }
                    try {
                        io.netty.util.ReferenceCountUtil.release(m.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT)
                                .engine());
                    } finally {
                        m.release();
                    }
                }
                return null;
            }));
        }
        work.add(clients.submit(() -> {
            go.await();
            for (int n = 0; n < 60; n++) {
                int i = ThreadLocalRandom.current().nextInt(BUNDLES.size());
                Served old = current.getAndSet(i, new Served(BUNDLES.get(i)));
                old.retired = true;
                cache.invalidate(old);
                retired.add(old);
                Thread.sleep(2);
            }
            return null;
        }));
        go.countDown();
        for (Future<?> f : work) {
            f.get(120, TimeUnit.SECONDS);
        }
        for (int i = 0; i < BUNDLES.size(); i++) {
            Served s = current.get(i);
            AtomicInteger builds = buildsPerServed.get(s);
            assertThat(builds == null ? 0 : builds.get()).as("builds of live %s", s).isLessThanOrEqualTo(1);
        }
        for (Served s : retired) {
            assertThat(cache.isCached(s)).as("retired %s cached", s).isFalse();
        }
        assertThat(cache.stats().evictions()).isZero();
        cache.invalidateAll();
        await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(built).isNotEmpty().allSatisfy(m -> assertThat(m.refCnt()).isZero()));
    }
}
