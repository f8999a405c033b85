package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * The live set of certificates the engine serves, and the SNI index over them.
 *
 * <p>Writes ({@link #put}, {@link #remove}) are serialized by a private lock and publish immutable
 * per-name entries into concurrent maps; the handshake path ({@link #select}) only reads those maps,
 * so it never blocks and never takes a lock. A replaced or removed bundle stops being selected at
 * once, and its key material is released at once; connections already using it keep working (see
 * {@link KeyMaterialCache}).
 *
 * <p>Serving: with BoringSSL every bundle is served from contexts shared by all tenants
 * ({@link SharedServerContexts}); a bundle costs only its native chain and key (a credential,
 * ~2 KB), built on the first handshake that needs it, off the event loop, and cached up to
 * {@code maxContexts} bundles. With the JDK provider each bundle gets a context of its own, built
 * and cached the same way.
 *
 * <p>Lookup order (DESIGN.md, data path step 2): exact name, then one-label wildcard, then the
 * configured default certificate if any. When a name has both an ECDSA and an RSA certificate the
 * ECDSA one goes to clients that support it. When several bundles of one family cover a name, the
 * most recently issued (latest notBefore) wins, so a renewal uploaded under a new id takes over.
 */
public final class CertificateRegistry implements AutoCloseable {

    /** The SNI index; written under {@link #writeLock}, read lock-free. */
    private final SniIndex index = new SniIndex();
    private final Object writeLock = new Object();
    /**
     * id → the OCSP response to staple for it, kept apart from the bundles so that the order in which
     * a certificate and its response arrive does not matter; only touched under {@link #writeLock}
     * (read lock-free through {@link Served#staple}).
     */
    private final Map<String, OcspStaple> staples = new HashMap<>();
    private final KeyMaterialCache cache;
    /** Where key material is built; also runs the rare unstapling of an expired OCSP response. */
    private final Executor builders;
    private final SslContextFactory factory;
    /** The contexts every bundle is served from, or null when each bundle has its own (JDK). */
    private final SharedServerContexts shared;
    private final KeyMaterialPreloader preloader;
    private final HandshakeSelection handshakes;

    /**
     * @param maxContexts how many bundles keep their key material (a BoringSSL credential, or with the
     *                    JDK provider a whole context) between handshakes
     */
    public CertificateRegistry(SslContextFactory factory, int maxContexts) {
        this(factory, maxContexts, KeyMaterialBuilders.shared());
    }

    /** @param builders where key material is built (off the event loop); bounded */
    CertificateRegistry(SslContextFactory factory, int maxContexts, Executor builders) {
        this.factory = factory;
        this.builders = builders;
        this.shared = factory.sharesContexts() ? new SharedServerContexts(factory) : null;
        this.cache = new KeyMaterialCache(maxContexts, this::build, builders);
        this.preloader = new KeyMaterialPreloader(cache);
        this.handshakes = new HandshakeSelection(this, cache);
    }

    /**
     * A registry with the same TLS settings and none of the certificates, for the start-up warm-up
     * ({@code HandshakeWarmup}): its key material, contexts and counters are its own, released by
     * its {@link #close()}. Nothing is preloaded, so every miss takes the handshake-time build path.
     */
    public CertificateRegistry emptyTwin(int maxContexts) {
        CertificateRegistry twin = new CertificateRegistry(factory, maxContexts);
        twin.preloadKeyMaterial(false);
        return twin;
    }

    /**
     * Whether key material is built ahead of handshakes, while the cache has room (default: yes; see
     * {@link KeyMaterialPreloader}). Tests of the lazy path turn it off.
     */
    public void preloadKeyMaterial(boolean on) {
        preloader.enabled(on);
    }

    /**
     * Defers preloading until {@link #startPreloading()}: a node defers it while it loads and joins
     * (the builds would compete with the load for the CPU, and nothing is served before the node is
     * ready).
     */
    public void deferPreloading() {
        preloader.hold();
    }

    /** Preloads the bundles served now (deferred by {@link #deferPreloading()}), and from now on as they come. */
    public void startPreloading() {
        preloader.release(index.all());
    }

    /** Whether bundles are served from shared contexts (BoringSSL) rather than one context each. */
    public boolean sharesContexts() {
        return shared != null;
    }

    /**
     * Installs new session ticket keys (raw 48-byte keys, encrypting key first) on every context,
     * built or yet to be built. The cluster calls this when it rotates the shared keys.
     */
    public void ticketKeys(List<byte[]> keys) {
        factory.ticketKeys(keys);
        if (shared != null) {
            shared.applyTicketKeys();
        }
        cache.forEach(m -> {
            if (m instanceof KeyMaterial.OwnContext own) {
                factory.applyTicketKeys(own.context());
            }
        });
    }

    /** Adds a bundle, or atomically replaces the bundle with the same id. */
    public void put(CertificateBundle bundle) {
        Served next;
        synchronized (writeLock) {
            next = new Served(bundle, matching(staples.get(bundle.id()), bundle));
            Served previous = index.put(next);
            if (previous != null) {
                retire(previous);
            }
        }
        preloader.offer(next);
    }

    /** Adds many bundles; same as calling {@link #put} for each, with one lock acquisition. */
    public void putAll(Collection<CertificateBundle> bundles) {
        synchronized (writeLock) {
            for (CertificateBundle b : bundles) {
                put(b);
            }
        }
    }

    /** Removes a bundle; returns false when no bundle had that id. */
    public boolean remove(String id) {
        synchronized (writeLock) {
            Served previous = index.remove(id);
            if (previous == null) {
                return false;
            }
            retire(previous);
            return true;
        }
    }

    /**
     * Staples {@code staple} to the handshakes of bundle {@code id} (now, and whenever a bundle with the
     * same leaf fingerprint is put under that id), or stops stapling with {@code null}. A response for
     * another leaf than the live one is kept but not stapled. The bundle's key material is rebuilt
     * with the response (off the event loop, ahead of the next handshake when the cache has room);
     * established connections and handshakes already under way are not affected.
     */
    public void staple(String id, OcspStaple staple) {
        Served next = null;
        synchronized (writeLock) {
            if (staple == null) {
                staples.remove(id);
            } else {
                staples.put(id, staple);
            }
            Served live = index.get(id);
            if (live != null && matching(staple, live.bundle) != live.staple) {
                next = replaceStaple(live, matching(staple, live.bundle));
            }
        }
        if (next != null) {
            preloader.offer(next);
        }
    }

    /** Serves {@code live}'s bundle anew with another staple. Caller holds the write lock. */
    private Served replaceStaple(Served live, OcspStaple staple) {
        Served next = new Served(live.bundle, staple);
        index.replace(next);
        retire(live);
        return next;
    }

    /**
     * A handshake found {@code served}'s staple past its nextUpdate (whoever supplies responses did not
     * replace or withdraw it in time): stop stapling it, once, off the event loop. The handshakes in
     * between still carry it; clients judge a staple by its own dates.
     */
    void stapleExpired(Served served) {
        if (!served.stapleExpiryQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            builders.execute(() -> {
                Served next = null;
                synchronized (writeLock) {
                    if (index.get(served.bundle.id()) == served) {
                        staples.remove(served.bundle.id(), served.staple);
                        next = replaceStaple(served, null);
                    }
                }
                if (next != null) {
                    preloader.offer(next);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            served.stapleExpiryQueued.set(false); // the next handshake tries again
        }
    }

    /** The response stapled to bundle {@code id}'s handshakes now (fresh or not), if any. */
    public Optional<OcspStaple> stapleOf(String id) {
        Served s = index.get(id);
        return s == null ? Optional.empty() : Optional.ofNullable(s.staple);
    }

    private static OcspStaple matching(OcspStaple staple, CertificateBundle bundle) {
        return staple != null && staple.fingerprint().equals(bundle.fingerprint()) ? staple : null;
    }

    /**
     * Serves this bundle to clients that send no SNI or an unknown name (an explicitly configured
     * default certificate), or stops doing so with {@code null}.
     */
    public void setDefault(String id) {
        index.defaultId(id);
    }

    public Optional<CertificateBundle> get(String id) {
        Served s = index.get(id);
        return s == null ? Optional.empty() : Optional.of(s.bundle);
    }

    public int size() {
        return index.size();
    }

    public List<CertificateBundle> bundles() {
        List<CertificateBundle> out = new ArrayList<>(index.size());
        index.all().forEach(s -> out.add(s.bundle));
        return out;
    }

    /**
     * Number of bundles whose key material is built and cached (BoringSSL credentials, or with the
     * JDK provider per-bundle contexts).
     */
    public int cachedContexts() {
        return cache.size();
    }

    /** The key-material cache's counters now: builds, failures, evictions, hits, misses, build time. */
    public ContextStats contextStats() {
        return cache.stats();
    }

    /**
     * Finds the bundle for a ClientHello's server name, or {@code null} when the handshake must be
     * refused. Lock-free.
     *
     * @param sni            the name as sent by the client (any case, maybe a trailing dot), or null
     * @param ecdsaSupported whether the client can verify an ECDSA certificate
     */
    Served select(String sni, boolean ecdsaSupported) {
        return select(sni, ecdsaSupported, false);
    }

    /** {@link #select} for a ClientHello: a name no certificate covers is reported to the miss listener. */
    Served selectForHandshake(String sni, boolean ecdsaSupported) {
        return select(sni, ecdsaSupported, true);
    }

    private Served select(String sni, boolean ecdsaSupported, boolean reportMiss) {
        return index.select(sni, ecdsaSupported, reportMiss ? missListener : null);
    }

    private volatile Consumer<String> missListener = name -> { };

    /**
     * Hears every handshake whose (normalized) SNI name no certificate covers, e.g. to obtain one on
     * demand. Called on the event loop: the listener must only look at memory and enqueue, never block.
     */
    public void onMiss(Consumer<String> listener) {
        this.missListener = listener == null ? name -> { } : listener;
    }

    /** Public form of {@link #select} for the console and tests: which bundle a name would get. */
    public Optional<CertificateBundle> lookup(String sni, boolean ecdsaSupported) {
        Served s = select(sni, ecdsaSupported);
        return s == null ? Optional.empty() : Optional.of(s.bundle);
    }

    /**
     * Explains what {@link #select} gives {@code sni}, for operators: match kind, the bundle each kind
     * of client gets, and every candidate with its outcome. Off the handshake path: it takes the
     * write lock for a few map reads to list the candidates (so it sees one consistent index and
     * never a half-applied write), which never delays a handshake, since {@link #select} takes no lock.
     */
    public SniExplanation explain(String sni) {
        return index.explain(sni, writeLock, cache::isCached);
    }

    /**
     * The certificate name a Host (port allowed) matches: the normalized host when an exact
     * certificate covers it, {@code *.parent} when a wildcard does, null when neither (the default
     * certificate's or nobody's). Lock-free, for the metrics' host buckets on the event loop.
     */
    public String servedPattern(String host) {
        return index.servedPattern(host);
    }

    /** Whether a name is served by an explicit certificate (not the default). */
    public boolean covers(String sni) {
        return servedPattern(sni) != null;
    }

    /**
     * Releases all cached key material and the shared contexts (connections still using them keep
     * them alive until they close). The registry stays usable; everything is rebuilt on demand, and
     * no longer ahead of handshakes (preloading stops here, after the build it may be waiting for).
     */
    @Override
    public void close() {
        preloader.stop();
        cache.invalidateAll();
        if (shared != null) {
            shared.close();
        }
    }

    /**
     * The bundle for a ClientHello and its key material, retained for the handshake; null when the
     * handshake must be refused (see {@link HandshakeSelection}).
     */
    Future<Selected> acquireForHandshake(String sni, boolean ecdsaSupported, EventExecutor loop) {
        return handshakes.acquire(sni, ecdsaSupported, loop);
    }

    /** The key material of {@code served}, retained for the caller (tests and tools; handshakes use the above). */
    CompletableFuture<KeyMaterial> acquire(Served served) {
        return cache.acquire(served);
    }

    private KeyMaterial build(Served s) throws SSLException {
        if (shared != null) {
            return KeyMaterial.credential(shared, SslContextFactory.sessionIdContext(s.bundle),
                    factory.credential(s.bundle, s.freshStaple(System.currentTimeMillis())));
        }
        return KeyMaterial.context(factory.build(s.bundle));
    }

    private void retire(Served old) {
        old.retired = true;
        cache.invalidate(old);
    }
}
