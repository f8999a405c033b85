package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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
 * ~4 KB), built on the first handshake that needs it, off the event loop, and cached up to
 * {@code maxContexts} bundles. With the JDK provider each bundle gets a context of its own, built
 * and cached the same way.
 *
 * <p>Lookup order (DESIGN.md, data path step 2): exact name, then one-label wildcard, then the
 * configured default certificate if any. When a name has both an ECDSA and an RSA certificate the
 * ECDSA one goes to clients that support it. When several bundles of one family cover a name, the
 * most recently issued (latest notBefore) wins, so a renewal uploaded under a new id takes over.
 */
public final class CertificateRegistry implements AutoCloseable {

    /** One name's candidates, immutable; replaced wholesale on every write. */
    private record NameEntry(Served ecdsa, Served rsa) {
        Served pick(boolean ecdsaSupported) {
            if (ecdsaSupported && ecdsa != null) {
                return ecdsa;
            }
            return rsa != null ? rsa : ecdsa;
        }
    }

    private final ConcurrentHashMap<String, Served> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, NameEntry> exact = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, NameEntry> wildcard = new ConcurrentHashMap<>();
    /** pattern → ids covering it; only touched under {@link #writeLock}. */
    private final Map<String, Set<String>> idsByPattern = new HashMap<>();
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
    private volatile String defaultId;
    private final KeyMaterialPreloader preloader;

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
            Served previous = byId.put(bundle.id(), next);
            Set<String> touched = new LinkedHashSet<>(bundle.names());
            if (previous != null) {
                touched.addAll(previous.bundle.names());
                for (String name : previous.bundle.names()) {
                    removeId(name, bundle.id());
                }
            }
            for (String name : bundle.names()) {
                idsByPattern.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(bundle.id());
            }
            touched.forEach(this::reindex);
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
            Served previous = byId.remove(id);
            if (previous == null) {
                return false;
            }
            for (String name : previous.bundle.names()) {
                removeId(name, id);
                reindex(name);
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
            Served live = byId.get(id);
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
        byId.put(live.bundle.id(), next);
        live.bundle.names().forEach(this::reindex);
        retire(live);
        return next;
    }

    /**
     * A handshake found {@code served}'s staple past its nextUpdate (whoever supplies responses did not
     * replace or withdraw it in time): stop stapling it, once, off the event loop. The handshakes in
     * between still carry it; clients judge a staple by its own dates.
     */
    private void stapleExpired(Served served) {
        if (!served.stapleExpiryQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            builders.execute(() -> {
                Served next = null;
                synchronized (writeLock) {
                    if (byId.get(served.bundle.id()) == served) {
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
        Served s = byId.get(id);
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
        this.defaultId = id;
    }

    public Optional<CertificateBundle> get(String id) {
        Served s = byId.get(id);
        return s == null ? Optional.empty() : Optional.of(s.bundle);
    }

    public int size() {
        return byId.size();
    }

    public List<CertificateBundle> bundles() {
        List<CertificateBundle> out = new ArrayList<>(byId.size());
        byId.values().forEach(s -> out.add(s.bundle));
        return out;
    }

    /**
     * Number of bundles whose key material is built and cached (BoringSSL credentials, or with the
     * JDK provider per-bundle contexts).
     */
    public int cachedContexts() {
        return cache.size();
    }

    /** Key material builds, in total (one per bundle while it stays cached). */
    public long contextBuilds() {
        return cache.builds();
    }

    /** Key material dropped by the cache's bound ({@code maxContexts}); replaced and removed bundles are not counted. */
    public long contextEvictions() {
        return cache.evictions();
    }

    /** Handshakes that found their bundle's key material already built. */
    public long contextHits() {
        return cache.hits();
    }

    /** Handshakes that had to wait for their bundle's key material (built for them or by another handshake). */
    public long contextMisses() {
        return cache.misses();
    }

    /** Time spent building key material, in total. */
    public long contextBuildNanos() {
        return cache.buildNanos();
    }

    /** Builds that failed (a bundle the TLS stack rejects, or the build queue full). */
    public long contextBuildFailures() {
        return cache.buildFailures();
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
        if (sni != null) {
            String name = Hostnames.normalize(sni);
            if (name != null) {
                NameEntry e = exact.get(name);
                if (e == null) {
                    String parent = Hostnames.wildcardParent(name);
                    if (parent != null) {
                        e = wildcard.get(parent);
                    }
                }
                if (e != null) {
                    return e.pick(ecdsaSupported);
                }
                if (reportMiss) {
                    missListener.accept(name);
                }
            }
        }
        String fallback = defaultId;
        return fallback == null ? null : byId.get(fallback);
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
        String name = sni == null ? null : Hostnames.normalize(sni);
        String parent = name == null ? null : Hostnames.wildcardParent(name);
        String wildPattern = parent == null ? null : "*." + parent;
        List<Served> exactIds;
        List<Served> wildIds;
        NameEntry exactEntry;
        NameEntry wildEntry;
        Served fallback;
        synchronized (writeLock) {
            exactIds = name == null ? List.of() : served(idsByPattern.get(name));
            wildIds = wildPattern == null ? List.of() : served(idsByPattern.get(wildPattern));
            exactEntry = name == null ? null : exact.get(name);
            wildEntry = parent == null ? null : wildcard.get(parent);
            String d = defaultId;
            fallback = d == null ? null : byId.get(d);
        }
        SniExplanation.Match match;
        NameEntry chosen;
        String pattern;
        if (exactEntry != null) {
            match = SniExplanation.Match.EXACT;
            chosen = exactEntry;
            pattern = name;
        } else if (wildEntry != null) {
            match = SniExplanation.Match.WILDCARD;
            chosen = wildEntry;
            pattern = wildPattern;
        } else if (fallback != null) {
            match = SniExplanation.Match.DEFAULT;
            chosen = new NameEntry(null, fallback);
            pattern = null;
        } else {
            match = SniExplanation.Match.NONE;
            chosen = null;
            pattern = null;
        }
        Served forEcdsa = chosen == null ? null : chosen.pick(true);
        Served forRsa = chosen == null ? null : chosen.pick(false);
        List<SniExplanation.Candidate> out = new ArrayList<>();
        for (Served s : exactIds) {
            out.add(candidate(s, name, outcome(s, forEcdsa, forRsa, null)));
        }
        for (Served s : wildIds) {
            SniExplanation.Outcome shadow = match == SniExplanation.Match.EXACT
                    ? SniExplanation.Outcome.SHADOWED_BY_EXACT : null;
            out.add(candidate(s, wildPattern, outcome(s, forEcdsa, forRsa, shadow)));
        }
        if (fallback != null) {
            out.add(candidate(fallback, null, match == SniExplanation.Match.DEFAULT ? SniExplanation.Outcome.SERVED
                    : SniExplanation.Outcome.DEFAULT_NOT_NEEDED));
        }
        return new SniExplanation(name, match, pattern, forEcdsa == null ? null : forEcdsa.bundle.id(),
                forRsa == null ? null : forRsa.bundle.id(), out);
    }

    /** The live bundles of some ids, sorted by id (a stable order for operators). Caller holds the write lock. */
    private List<Served> served(Set<String> ids) {
        if (ids == null) {
            return List.of();
        }
        List<Served> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            Served s = byId.get(id);
            if (s != null) {
                out.add(s);
            }
        }
        out.sort(java.util.Comparator.comparing(s -> s.bundle.id()));
        return out;
    }

    private static SniExplanation.Outcome outcome(Served s, Served forEcdsa, Served forRsa,
            SniExplanation.Outcome otherwise) {
        if (s == forEcdsa && s == forRsa) {
            return SniExplanation.Outcome.SERVED;
        }
        if (s == forEcdsa) {
            return SniExplanation.Outcome.SERVED_TO_ECDSA_CLIENTS;
        }
        if (s == forRsa) {
            return SniExplanation.Outcome.SERVED_TO_RSA_CLIENTS;
        }
        return otherwise != null ? otherwise : SniExplanation.Outcome.OLDER;
    }

    private SniExplanation.Candidate candidate(Served s, String pattern, SniExplanation.Outcome outcome) {
        CertificateBundle b = s.bundle;
        return new SniExplanation.Candidate(b.id(), pattern, b.keyType().toString(), b.notBefore(), b.notAfter(),
                b.fingerprint(), cache.isCached(s), outcome);
    }

    /**
     * The certificate name a Host (port allowed) matches: the normalized host when an exact
     * certificate covers it, {@code *.parent} when a wildcard does, null when neither (the default
     * certificate's or nobody's). Lock-free, for the metrics' host buckets on the event loop.
     */
    public String servedPattern(String host) {
        String name = Hostnames.normalize(Hostnames.withoutPort(host));
        if (name == null) {
            return null;
        }
        if (exact.containsKey(name)) {
            return name;
        }
        String parent = Hostnames.wildcardParent(name);
        return parent != null && wildcard.containsKey(parent) ? "*." + parent : null;
    }

    /** Whether a name is served by an explicit certificate (not the default). */
    public boolean covers(String sni) {
        String name = Hostnames.normalize(sni);
        if (name == null) {
            return false;
        }
        if (exact.containsKey(name)) {
            return true;
        }
        String parent = Hostnames.wildcardParent(name);
        return parent != null && wildcard.containsKey(parent);
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

    private static final int MAX_ATTEMPTS = 3;

    /**
     * The bundle for a ClientHello and its key material, retained for the handshake; null when the
     * handshake must be refused. Completes at once when the material is cached; otherwise on a builder
     * thread when it is built (the returned future's listeners run on {@code loop}). When the bundle is
     * replaced while its material is being built, the name is selected again (up to 3 times).
     */
    Future<Selected> acquireForHandshake(String sni, boolean ecdsaSupported, EventExecutor loop) {
        Served served = selectForHandshake(sni, ecdsaSupported);
        if (served == null) {
            return loop.newSucceededFuture(null);
        }
        if (served.staple != null && !served.staple.freshAt(System.currentTimeMillis())) {
            stapleExpired(served);
        }
        CompletableFuture<KeyMaterial> material = cache.acquire(served);
        KeyMaterial now = material.isDone() && !material.isCompletedExceptionally() ? material.getNow(null) : null;
        if (now != null) {
            return loop.newSucceededFuture(new Selected(served, now));
        }
        Promise<Selected> promise = loop.newPromise();
        whenAcquired(sni, ecdsaSupported, served, material, 1, promise);
        return promise;
    }

    private void whenAcquired(String sni, boolean ecdsaSupported, Served served,
            CompletableFuture<KeyMaterial> material, int attempt, Promise<Selected> promise) {
        material.whenComplete((m, error) -> {
            if (error != null) {
                promise.tryFailure(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            } else if (m != null) {
                if (!promise.trySuccess(new Selected(served, m))) {
                    m.release();
                }
            } else if (attempt >= MAX_ATTEMPTS) {
                promise.tryFailure(new SSLException("sni " + sni + ": certificate replaced " + attempt
                        + " times while its key material was built (expected: fewer concurrent changes)"));
            } else {
                // retired and released before we could retain it: the name's new bundle, or none
                Served again = select(sni, ecdsaSupported);
                if (again == null) {
                    promise.trySuccess(null);
                } else {
                    whenAcquired(sni, ecdsaSupported, again, cache.acquire(again), attempt + 1, promise);
                }
            }
        });
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

    private void removeId(String pattern, String id) {
        Set<String> ids = idsByPattern.get(pattern);
        if (ids != null) {
            ids.remove(id);
            if (ids.isEmpty()) {
                idsByPattern.remove(pattern);
            }
        }
    }

    private void retire(Served old) {
        old.retired = true;
        cache.invalidate(old);
    }

    /** Recomputes one pattern's entry from {@link #idsByPattern}. Caller holds the write lock. */
    private void reindex(String pattern) {
        Served bestEc = null;
        Served bestRsa = null;
        Set<String> ids = idsByPattern.get(pattern);
        if (ids != null) {
            for (String id : ids) {
                Served s = byId.get(id);
                if (s == null) {
                    continue;
                }
                if (s.bundle.keyType().family() == KeyType.Family.ECDSA) {
                    bestEc = newer(bestEc, s);
                } else {
                    bestRsa = newer(bestRsa, s);
                }
            }
        }
        boolean wild = Hostnames.isWildcard(pattern);
        ConcurrentHashMap<String, NameEntry> map = wild ? wildcard : exact;
        String key = wild ? pattern.substring(2) : pattern;
        if (bestEc == null && bestRsa == null) {
            map.remove(key);
        } else {
            map.put(key, new NameEntry(bestEc, bestRsa));
        }
    }

    private static Served newer(Served current, Served candidate) {
        if (current == null) {
            return candidate;
        }
        int cmp = candidate.bundle.notBefore().compareTo(current.bundle.notBefore());
        if (cmp > 0 || (cmp == 0 && candidate.bundle.id().compareTo(current.bundle.id()) > 0)) {
            return candidate;
        }
        return current;
    }
}
