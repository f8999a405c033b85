package dev.gatehouse.cluster.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of one node, on its disk: one JSON file per object under {@code dataDir/store/<kind>/},
 * each replaced atomically (write, fsync, rename, fsync directory) before the write returns.
 *
 * <p>On open, every file is read; a file that does not parse, or a certificate whose sealed key
 * does not open under its record's associated data (tampered, copied from another record, or
 * sealed with an unknown key), is reported in {@link #loadProblems()} and skipped, and the others
 * load. Left-over temporary files of an interrupted write are deleted: an upload cut short by a
 * crash is either fully there or not there at all.
 *
 * <p>Deletes leave tombstones so that a delete wins over older copies elsewhere. They expire
 * {@code tombstoneTtl} after the delete (on open and whenever {@link #pruneTombstones()} runs).
 * The store also remembers when it was last reconciled with a cluster ({@link #syncedAt()}): a
 * store that was away longer than the tombstone lifetime may hold records the cluster deleted and
 * has since forgotten, so the grid store then takes the cluster's state instead of pushing its own.
 */
public final class FileStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A file that was skipped on load, and why. */
    public record LoadProblem(Path file, String reason) {
    }

    /** The tombstone lifetime when none is configured ({@code store.tombstoneTtl}). */
    public static final Duration DEFAULT_TOMBSTONE_TTL = Duration.ofDays(7);

    private final Path root;
    private final Sealer sealer;
    private final Clock wall;
    private final Duration tombstoneTtl;
    private final HybridClock clock;
    /** Epoch ms of the last reconciliation with a cluster, -1 when never; written by the grid's event thread. */
    private volatile long syncedAt = -1;
    private final Map<String, CertificateRecord> certificates = new ConcurrentHashMap<>();
    private final Map<String, TenantRecord> tenants = new ConcurrentHashMap<>();
    private final Map<String, TokenRecord> tokens = new ConcurrentHashMap<>();
    private final Map<String, PoolRecord> pools = new ConcurrentHashMap<>();
    private final Map<String, RouteRecord> routes = new ConcurrentHashMap<>();
    private final Map<String, DomainRecord> domains = new ConcurrentHashMap<>();
    private final Map<String, AcmeAccountRecord> acmeAccounts = new ConcurrentHashMap<>();
    private final Map<String, ChallengeRecord> challenges = new ConcurrentHashMap<>();
    private final Map<String, ManagedCertificateRecord> managed = new ConcurrentHashMap<>();
    private final Map<String, EventRecord> events = new ConcurrentHashMap<>();
    private final Map<String, WebhookRecord> webhooks = new ConcurrentHashMap<>();
    private final Map<String, WebhookDeliveryRecord> deliveries = new ConcurrentHashMap<>();
    private final Map<String, OcspResponseRecord> ocspResponses = new ConcurrentHashMap<>();
    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    private final List<LoadProblem> problems = new ArrayList<>();
    /** kind → key → revision of the delete; kept so a delete wins merges against older copies. */
    private final Map<String, Map<String, Long>> tombstones = new ConcurrentHashMap<>();
    static final List<String> KINDS = List.of(Records.CERTIFICATES, Records.TENANTS, Records.TOKENS, Records.POOLS,
            Records.ROUTES, Records.DOMAINS, Records.ACME_ACCOUNTS, Records.CHALLENGES, Records.MANAGED,
            Records.EVENTS, Records.WEBHOOKS, Records.WEBHOOK_DELIVERIES, Records.OCSP_RESPONSES);

    private FileStore(Path root, Sealer sealer, Clock wall, Duration tombstoneTtl) {
        this.root = root;
        this.sealer = sealer;
        this.wall = wall;
        this.tombstoneTtl = tombstoneTtl;
        this.clock = new HybridClock(wall);
    }

    /** Opens (creating if needed) the store under {@code dataDir/store}: system clock, default tombstone lifetime. */
    public static FileStore open(Path dataDir, Sealer sealer) throws IOException {
        return open(dataDir, sealer, Clock.systemUTC(), DEFAULT_TOMBSTONE_TTL);
    }

    /**
     * Opens (creating if needed) the store under {@code dataDir/store}.
     *
     * @param wall         the clock of revisions, tombstone expiry and {@link #syncedAt()}
     * @param tombstoneTtl how long a delete is remembered
     */
    public static FileStore open(Path dataDir, Sealer sealer, Clock wall, Duration tombstoneTtl) throws IOException {
        if (tombstoneTtl.isNegative() || tombstoneTtl.isZero()) {
            throw new IllegalArgumentException("tombstoneTtl: " + tombstoneTtl + " (expected: > 0)");
        }
        FileStore s = new FileStore(dataDir.resolve("store"), sealer, wall, tombstoneTtl);
        s.load();
        return s;
    }

    /** Last reconciliation with a cluster, as stored in {@code store/sync.json}. */
    record SyncState(long syncedAt) {
    }

    /** A tombstone as stored on disk. */
    record Tombstone(String key, long revision) {
    }

    private void load() throws IOException {
        for (String kind : KINDS) {
            tombstones.put(kind, new ConcurrentHashMap<>());
            Path tdir = root.resolve("tombstones").resolve(kind);
            Files.createDirectories(tdir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(tdir)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".")) {
                        Files.deleteIfExists(f);
                        continue;
                    }
                    try {
                        Tombstone t = JSON.readValue(Files.readAllBytes(f), Tombstone.class);
                        if (expired(t.revision())) {
                            Files.deleteIfExists(f); // old enough that no copy can still be around to resurrect
                            continue;
                        }
                        clock.observe(t.revision());
                        tombstones.get(kind).put(t.key(), t.revision());
                    } catch (IOException | RuntimeException e) {
                        reject(f, "unreadable tombstone: " + e.getMessage());
                    }
                }
            }
        }
        for (String kind : KINDS) {
            Path dir = root.resolve(kind);
            Files.createDirectories(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".") && name.contains(".tmp-")) {
                        Files.deleteIfExists(f); // an interrupted write: never acknowledged
                        continue;
                    }
                    if (!name.endsWith(".json")) {
                        continue;
                    }
                    try {
                        loadOne(kind, f);
                    } catch (IOException | RuntimeException e) {
                        reject(f, "unreadable: " + e.getMessage());
                    }
                }
            }
        }
        long newest = HybridClock.millis(clock.last());
        syncedAt = newest == 0 ? -1 : newest; // a snapshot from before sync.json: as of its newest write
        Path sync = root.resolve("sync.json");
        if (Files.exists(sync)) {
            try {
                syncedAt = JSON.readValue(Files.readAllBytes(sync), SyncState.class).syncedAt();
            } catch (IOException | RuntimeException e) {
                reject(sync, "unreadable sync state (taken as of the newest write): " + e.getMessage());
            }
        }
        log.info("event=store_loaded dir={} certificates={} tenants={} tokens={} domains={} managed={} rejected={} "
                + "synced_at={}", root, certificates.size(), tenants.size(), tokens.size(), domains.size(),
                managed.size(), problems.size(), syncedAt < 0 ? "never" : java.time.Instant.ofEpochMilli(syncedAt));
    }

    // ---- tombstone lifetime and the last sync with a cluster ---------------------------------

    /** The wall clock of this store (revisions, tombstone expiry, sync time). */
    public Clock clock() {
        return wall;
    }

    public Duration tombstoneTtl() {
        return tombstoneTtl;
    }

    /** True when a delete at this revision is older than the tombstone lifetime (forgotten). */
    public boolean expired(long revision) {
        return wall.millis() - HybridClock.millis(revision) > tombstoneTtl.toMillis();
    }

    /** Epoch ms of the last completed reconciliation with a cluster; -1 when never (and the store is empty). */
    public long syncedAt() {
        return syncedAt;
    }

    /** Records that everything the cluster held at {@code millis} is in this store (durable before it returns). */
    synchronized void markSynced(long millis) throws StoreException {
        try {
            AtomicFiles.write(root.resolve("sync.json"), JSON.writeValueAsBytes(new SyncState(millis)), true);
            syncedAt = millis;
        } catch (IOException e) {
            throw new StoreException("cannot write the sync state: " + e.getMessage(), e);
        }
    }

    /** Forgets deletes older than the tombstone lifetime; returns how many, by kind (kinds with none left out). */
    public synchronized Map<String, Integer> pruneTombstones() {
        Map<String, Integer> pruned = new java.util.TreeMap<>();
        for (String kind : KINDS) {
            Map<String, Long> t = tombstones.get(kind);
            for (Map.Entry<String, Long> e : List.copyOf(t.entrySet())) {
                if (expired(e.getValue())) {
                    clearTombstone(kind, e.getKey());
                    pruned.merge(kind, 1, Integer::sum);
                }
            }
        }
        if (!pruned.isEmpty()) {
            log.info("event=tombstones_pruned where=disk pruned={} horizon={}", pruned, tombstoneTtl);
        }
        return pruned;
    }

    private void loadOne(String kind, Path f) throws IOException {
        byte[] data = Files.readAllBytes(f);
        switch (kind) {
            case Records.CERTIFICATES -> {
                CertificateRecord r = JSON.readValue(data, CertificateRecord.class);
                try {
                    byte[] key = sealer.open(r.sealedKey(), r.keyAad());
                    java.util.Arrays.fill(key, (byte) 0);
                } catch (SealException e) {
                    reject(f, "certificate " + r.id() + ": sealed key " + e.getMessage());
                    return;
                }
                clock.observe(r.revision());
                certificates.put(r.id(), r);
            }
            case Records.TENANTS -> {
                TenantRecord r = JSON.readValue(data, TenantRecord.class);
                clock.observe(r.revision());
                tenants.put(r.id(), r);
            }
            case Records.TOKENS -> {
                TokenRecord r = JSON.readValue(data, TokenRecord.class);
                clock.observe(r.revision());
                tokens.put(r.id(), r);
            }
            case Records.POOLS -> {
                PoolRecord r = JSON.readValue(data, PoolRecord.class);
                clock.observe(r.revision());
                pools.put(r.name(), r);
            }
            case Records.ROUTES -> {
                RouteRecord r = JSON.readValue(data, RouteRecord.class);
                clock.observe(r.revision());
                routes.put(r.host(), r);
            }
            case Records.ACME_ACCOUNTS -> {
                AcmeAccountRecord r = JSON.readValue(data, AcmeAccountRecord.class);
                try {
                    byte[] key = sealer.open(r.sealedKey(), r.keyAad());
                    java.util.Arrays.fill(key, (byte) 0);
                } catch (SealException e) {
                    reject(f, "ACME account " + r.id() + ": sealed key " + e.getMessage());
                    return;
                }
                clock.observe(r.revision());
                acmeAccounts.put(r.id(), r);
            }
            default -> {
                Object r = JSON.readValue(data, type(kind));
                clock.observe(revision(r));
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) live(kind);
                String key = key(r);
                m.put(key, r);
                if (!f.equals(file(kind, key))) {
                    // written under an older key scheme (domain claims were keyed by name alone)
                    AtomicFiles.write(file(kind, key), data, true);
                    Files.deleteIfExists(f);
                    log.info("event=store_entry_rekeyed kind={} key={}", kind, key);
                }
            }
        }
    }

    /** The store key of a record of the kinds loaded generically. */
    private static String key(Object record) {
        if (record instanceof DomainRecord r) {
            return r.key();
        } else if (record instanceof ChallengeRecord r) {
            return r.token();
        } else if (record instanceof ManagedCertificateRecord r) {
            return r.name();
        } else if (record instanceof EventRecord r) {
            return r.id();
        } else if (record instanceof WebhookRecord r) {
            return r.id();
        } else if (record instanceof WebhookDeliveryRecord r) {
            return r.webhook();
        } else if (record instanceof OcspResponseRecord r) {
            return r.certificate();
        }
        throw new IllegalArgumentException("record: " + record);
    }

    private void reject(Path f, String reason) {
        problems.add(new LoadProblem(f, reason));
        log.error("event=store_entry_rejected file={} reason={}", f, reason);
    }

    /** Files skipped when the store was opened. */
    public List<LoadProblem> loadProblems() {
        return List.copyOf(problems);
    }

    private Path file(String kind, String key) {
        return root.resolve(kind).resolve(HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + ".json");
    }

    /** Per thread: the grid's catch-up thread writes in bulk while API writes stay synced one by one. */
    private final ThreadLocal<Boolean> bulk = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Per thread: the directories written in bulk mode since {@link #beginBulk()}, synced by {@link #endBulk()}. */
    private final ThreadLocal<java.util.Set<Path>> bulkWritten = ThreadLocal.withInitial(java.util.HashSet::new);

    /** Bulk mode (this thread): replicated writes skip per-file fsync until {@link #endBulk()} syncs once. */
    void beginBulk() {
        bulk.set(Boolean.TRUE);
    }

    void endBulk() throws StoreException {
        bulk.set(Boolean.FALSE);
        java.util.Set<Path> dirs = bulkWritten.get();
        try {
            // only the directories written in bulk: an idle anti-entropy pass syncs nothing
            for (Path d : dirs) {
                AtomicFiles.syncDirectory(d);
            }
            dirs.clear();
        } catch (IOException e) {
            throw new StoreException("cannot sync the snapshot: " + e.getMessage(), e);
        }
    }

    private void write(String kind, String key, Object value) throws StoreException {
        try {
            AtomicFiles.write(file(kind, key), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value), !bulk.get());
            if (bulk.get()) {
                bulkWritten.get().add(root.resolve(kind));
            }
        } catch (IOException e) {
            throw new StoreException("cannot write " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    /** Deletes by writing a tombstone first (so a crash in between leaves the delete in force). */
    private boolean delete(String kind, String key) throws StoreException {
        return delete(kind, key, clock.next());
    }

    private boolean delete(String kind, String key, long revision) throws StoreException {
        try {
            AtomicFiles.write(root.resolve("tombstones").resolve(kind).resolve(
                    HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + ".json"),
                    JSON.writeValueAsBytes(new Tombstone(key, revision)), !bulk.get());
            if (bulk.get()) {
                bulkWritten.get().add(root.resolve("tombstones").resolve(kind));
                bulkWritten.get().add(root.resolve(kind));
            }
            tombstones.get(kind).put(key, revision);
            return AtomicFiles.delete(file(kind, key));
        } catch (IOException e) {
            throw new StoreException("cannot delete " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    private void clearTombstone(String kind, String key) {
        Long had = tombstones.get(kind).remove(key);
        if (had != null) {
            try {
                AtomicFiles.delete(root.resolve("tombstones").resolve(kind).resolve(
                        HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + ".json"));
            } catch (IOException e) {
                log.warn("event=tombstone_delete_failed kind={} key={} cause={}", kind, key, e.toString());
            }
        }
    }

    // ---- generic access for replication (GridStore) ----------------------------------------

    /** Keys of a kind, live or deleted. */
    synchronized java.util.Set<String> keys(String kind) {
        java.util.Set<String> out = new java.util.HashSet<>(tombstones.get(kind).keySet());
        out.addAll(live(kind).keySet());
        return out;
    }

    /** Revision of an object (its record's, or its tombstone's), or -1 when unknown. */
    synchronized long revisionOf(String kind, String key) {
        Object r = live(kind).get(key);
        if (r != null) {
            return revision(r);
        }
        Long t = tombstones.get(kind).get(key);
        return t == null ? -1 : t;
    }

    /** The object's JSON, or null when deleted or unknown. */
    synchronized String jsonOf(String kind, String key) {
        Object r = live(kind).get(key);
        try {
            return r == null ? null : JSON.writeValueAsString(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Applies a replicated change when it is newer than what this node holds: {@code json} is the
     * record, or null for a delete. Returns true when applied.
     */
    synchronized boolean applyReplicated(String kind, String key, long revision, String json) throws StoreException {
        clock.observe(revision);
        if (revision <= revisionOf(kind, key)) {
            return false;
        }
        if (json == null && expired(revision) && !live(kind).containsKey(key)) {
            return false; // a delete already forgotten: nothing here to delete, no tombstone to keep
        }
        return put(kind, key, revision, json);
    }

    /** True when the object is live here (not deleted, not unknown). */
    synchronized boolean isLive(String kind, String key) {
        return live(kind).containsKey(key);
    }

    /**
     * Takes the cluster's state for an object whatever the revisions say (a store that was away past
     * the tombstone lifetime): {@code json} is the cluster's record, or null for its delete at
     * {@code revision}, or null with {@code revision < 0} when the cluster has no such object (the
     * local copy is dropped without a tombstone).
     */
    synchronized void adopt(String kind, String key, long revision, String json) throws StoreException {
        if (json == null && revision < 0) {
            if (live(kind).remove(key) != null) {
                notifyRemoved(kind, key);
            }
            try {
                AtomicFiles.delete(file(kind, key));
            } catch (IOException e) {
                throw new StoreException("cannot drop " + kind + " " + key + ": " + e.getMessage(), e);
            }
            clearTombstone(kind, key);
            return;
        }
        clock.observe(revision);
        put(kind, key, revision, json);
    }

    private boolean put(String kind, String key, long revision, String json) throws StoreException {
        try {
            if (json == null) {
                boolean existed = live(kind).containsKey(key);
                live(kind).remove(key);
                if (existed) {
                    notifyRemoved(kind, key); // refuse on the next handshake, then make it durable
                }
                delete(kind, key, revision);
                return true;
            }
            Object record = JSON.readValue(json, type(kind));
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) live(kind);
            m.put(key, record);
            // serve first, then persist: the grid already holds the change on two members, and a
            // node that crashes before this write pulls it again when it rejoins
            notifyPut(kind, record);
            write(kind, key, record);
            clearTombstone(kind, key);
            return true;
        } catch (IOException e) {
            throw new StoreException("replicated " + kind + " " + key + " does not parse: " + e.getMessage(), e);
        }
    }

    private Map<String, ?> live(String kind) {
        return switch (kind) {
            case Records.CERTIFICATES -> certificates;
            case Records.TENANTS -> tenants;
            case Records.TOKENS -> tokens;
            case Records.POOLS -> pools;
            case Records.ROUTES -> routes;
            case Records.DOMAINS -> domains;
            case Records.ACME_ACCOUNTS -> acmeAccounts;
            case Records.CHALLENGES -> challenges;
            case Records.MANAGED -> managed;
            case Records.EVENTS -> events;
            case Records.WEBHOOKS -> webhooks;
            case Records.WEBHOOK_DELIVERIES -> deliveries;
            case Records.OCSP_RESPONSES -> ocspResponses;
            default -> throw new IllegalArgumentException("kind: " + kind);
        };
    }

    static Class<?> type(String kind) {
        return switch (kind) {
            case Records.CERTIFICATES -> CertificateRecord.class;
            case Records.TENANTS -> TenantRecord.class;
            case Records.TOKENS -> TokenRecord.class;
            case Records.POOLS -> PoolRecord.class;
            case Records.ROUTES -> RouteRecord.class;
            case Records.DOMAINS -> DomainRecord.class;
            case Records.ACME_ACCOUNTS -> AcmeAccountRecord.class;
            case Records.CHALLENGES -> ChallengeRecord.class;
            case Records.MANAGED -> ManagedCertificateRecord.class;
            case Records.EVENTS -> EventRecord.class;
            case Records.WEBHOOKS -> WebhookRecord.class;
            case Records.WEBHOOK_DELIVERIES -> WebhookDeliveryRecord.class;
            case Records.OCSP_RESPONSES -> OcspResponseRecord.class;
            default -> throw new IllegalArgumentException("kind: " + kind);
        };
    }

    static long revision(Object record) {
        if (record instanceof CertificateRecord r) {
            return r.revision();
        } else if (record instanceof TenantRecord r) {
            return r.revision();
        } else if (record instanceof TokenRecord r) {
            return r.revision();
        } else if (record instanceof PoolRecord r) {
            return r.revision();
        } else if (record instanceof RouteRecord r) {
            return r.revision();
        } else if (record instanceof DomainRecord r) {
            return r.revision();
        } else if (record instanceof AcmeAccountRecord r) {
            return r.revision();
        } else if (record instanceof ChallengeRecord r) {
            return r.revision();
        } else if (record instanceof ManagedCertificateRecord r) {
            return r.revision();
        } else if (record instanceof EventRecord r) {
            return r.revision();
        } else if (record instanceof WebhookRecord r) {
            return r.revision();
        } else if (record instanceof WebhookDeliveryRecord r) {
            return r.revision();
        } else if (record instanceof OcspResponseRecord r) {
            return r.revision();
        }
        throw new IllegalArgumentException("record: " + record);
    }

    private void notifyPut(String kind, Object record) {
        if (record instanceof CertificateRecord c) {
            listeners.forEach(l -> l.certificatePut(c));
        } else if (record instanceof DomainRecord d) {
            listeners.forEach(l -> l.claimChanged(d.tenant()));
        } else if (record instanceof EventRecord e) {
            listeners.forEach(l -> l.eventAdded(e));
        } else if (record instanceof OcspResponseRecord o) {
            listeners.forEach(l -> l.ocspChanged(o.certificate()));
        } else if (Records.POOLS.equals(kind) || Records.ROUTES.equals(kind)) {
            listeners.forEach(StoreListener::routingChanged);
        }
    }

    private void notifyRemoved(String kind, String key) {
        if (Records.CERTIFICATES.equals(kind)) {
            listeners.forEach(l -> l.certificateRemoved(key));
        } else if (Records.DOMAINS.equals(kind)) {
            listeners.forEach(l -> l.claimChanged(tenantOfClaim(key)));
        } else if (Records.OCSP_RESPONSES.equals(kind)) {
            listeners.forEach(l -> l.ocspChanged(key));
        } else if (Records.POOLS.equals(kind) || Records.ROUTES.equals(kind)) {
            listeners.forEach(StoreListener::routingChanged);
        }
    }

    @Override
    public Collection<CertificateRecord> certificates() {
        return List.copyOf(certificates.values());
    }

    @Override
    public Optional<CertificateRecord> certificate(String id) {
        return Optional.ofNullable(certificates.get(id));
    }

    @Override
    public synchronized void putCertificate(CertificateRecord record) throws StoreException {
        clearTombstone(Records.CERTIFICATES, record.id());
        write(Records.CERTIFICATES, record.id(), record);
        certificates.put(record.id(), record);
        listeners.forEach(l -> l.certificatePut(record));
    }

    @Override
    public synchronized boolean removeCertificate(String id) throws StoreException {
        if (certificates.get(id) == null) {
            return false;
        }
        delete(Records.CERTIFICATES, id);
        certificates.remove(id);
        listeners.forEach(l -> l.certificateRemoved(id));
        return true;
    }

    @Override
    public Collection<TenantRecord> tenants() {
        return List.copyOf(tenants.values());
    }

    @Override
    public Optional<TenantRecord> tenant(String id) {
        return Optional.ofNullable(tenants.get(id));
    }

    @Override
    public synchronized void putTenant(TenantRecord tenant) throws StoreException {
        clearTombstone(Records.TENANTS, tenant.id());
        write(Records.TENANTS, tenant.id(), tenant);
        tenants.put(tenant.id(), tenant);
    }

    @Override
    public synchronized boolean removeTenant(String id) throws StoreException {
        if (!tenants.containsKey(id)) {
            return false;
        }
        delete(Records.TENANTS, id);
        tenants.remove(id);
        return true;
    }

    @Override
    public Collection<TokenRecord> tokens() {
        return List.copyOf(tokens.values());
    }

    @Override
    public Optional<TokenRecord> token(String id) {
        return Optional.ofNullable(tokens.get(id));
    }

    @Override
    public synchronized void putToken(TokenRecord token) throws StoreException {
        clearTombstone(Records.TOKENS, token.id());
        write(Records.TOKENS, token.id(), token);
        tokens.put(token.id(), token);
    }

    @Override
    public Collection<PoolRecord> pools() {
        return List.copyOf(pools.values());
    }

    @Override
    public synchronized void putPool(PoolRecord pool) throws StoreException {
        clearTombstone(Records.POOLS, pool.name());
        write(Records.POOLS, pool.name(), pool);
        pools.put(pool.name(), pool);
        listeners.forEach(StoreListener::routingChanged);
    }

    @Override
    public synchronized boolean removePool(String name) throws StoreException {
        if (!pools.containsKey(name)) {
            return false;
        }
        delete(Records.POOLS, name);
        pools.remove(name);
        listeners.forEach(StoreListener::routingChanged);
        return true;
    }

    @Override
    public Collection<RouteRecord> routes() {
        return List.copyOf(routes.values());
    }

    @Override
    public synchronized void putRoute(RouteRecord route) throws StoreException {
        clearTombstone(Records.ROUTES, route.host());
        write(Records.ROUTES, route.host(), route);
        routes.put(route.host(), route);
        listeners.forEach(StoreListener::routingChanged);
    }

    @Override
    public synchronized boolean removeRoute(String host) throws StoreException {
        if (!routes.containsKey(host)) {
            return false;
        }
        delete(Records.ROUTES, host);
        routes.remove(host);
        listeners.forEach(StoreListener::routingChanged);
        return true;
    }

    /** Writes a record of one of the ACME kinds (same durability as every other write). */
    private synchronized <T> void putOther(String kind, String key, T record) throws StoreException {
        clearTombstone(kind, key);
        write(kind, key, record);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) live(kind);
        m.put(key, record);
    }

    private synchronized boolean removeOther(String kind, String key) throws StoreException {
        if (!live(kind).containsKey(key)) {
            return false;
        }
        delete(kind, key);
        live(kind).remove(key);
        return true;
    }

    @Override
    public Collection<DomainRecord> domains() {
        return List.copyOf(domains.values());
    }

    @Override
    public Optional<DomainRecord> domain(String name) {
        return Optional.ofNullable(domains.get(name));
    }

    @Override
    public void putDomain(DomainRecord domain) throws StoreException {
        putOther(Records.DOMAINS, domain.key(), domain);
        listeners.forEach(l -> l.claimChanged(domain.tenant()));
    }

    @Override
    public boolean removeDomain(String key) throws StoreException {
        boolean removed = removeOther(Records.DOMAINS, key);
        if (removed) {
            listeners.forEach(l -> l.claimChanged(tenantOfClaim(key)));
        }
        return removed;
    }

    private static String tenantOfClaim(String key) {
        return key.substring(key.lastIndexOf('@') + 1);
    }

    @Override
    public Optional<AcmeAccountRecord> acmeAccount(String id) {
        return Optional.ofNullable(acmeAccounts.get(id));
    }

    @Override
    public void putAcmeAccount(AcmeAccountRecord account) throws StoreException {
        putOther(Records.ACME_ACCOUNTS, account.id(), account);
    }

    @Override
    public Collection<ChallengeRecord> challenges() {
        return List.copyOf(challenges.values());
    }

    @Override
    public Optional<ChallengeRecord> challenge(String token) {
        return Optional.ofNullable(challenges.get(token));
    }

    @Override
    public void putChallenge(ChallengeRecord challenge) throws StoreException {
        putOther(Records.CHALLENGES, challenge.token(), challenge);
    }

    @Override
    public boolean removeChallenge(String token) throws StoreException {
        return removeOther(Records.CHALLENGES, token);
    }

    @Override
    public Collection<ManagedCertificateRecord> managedCertificates() {
        return List.copyOf(managed.values());
    }

    @Override
    public Optional<ManagedCertificateRecord> managedCertificate(String name) {
        return Optional.ofNullable(managed.get(name));
    }

    @Override
    public void putManagedCertificate(ManagedCertificateRecord record) throws StoreException {
        putOther(Records.MANAGED, record.name(), record);
    }

    @Override
    public boolean removeManagedCertificate(String name) throws StoreException {
        return removeOther(Records.MANAGED, name);
    }

    @Override
    public Collection<EventRecord> events() {
        return List.copyOf(events.values());
    }

    @Override
    public Optional<EventRecord> event(String id) {
        return Optional.ofNullable(events.get(id));
    }

    @Override
    public void putEvent(EventRecord event) throws StoreException {
        putOther(Records.EVENTS, event.id(), event);
        listeners.forEach(l -> l.eventAdded(event));
    }

    @Override
    public boolean removeEvent(String id) throws StoreException {
        return removeOther(Records.EVENTS, id);
    }

    @Override
    public Collection<WebhookRecord> webhooks() {
        return List.copyOf(webhooks.values());
    }

    @Override
    public Optional<WebhookRecord> webhook(String id) {
        return Optional.ofNullable(webhooks.get(id));
    }

    @Override
    public void putWebhook(WebhookRecord webhook) throws StoreException {
        putOther(Records.WEBHOOKS, webhook.id(), webhook);
    }

    @Override
    public boolean removeWebhook(String id) throws StoreException {
        return removeOther(Records.WEBHOOKS, id);
    }

    @Override
    public Collection<WebhookDeliveryRecord> webhookDeliveries() {
        return List.copyOf(deliveries.values());
    }

    @Override
    public Optional<WebhookDeliveryRecord> webhookDelivery(String webhook) {
        return Optional.ofNullable(deliveries.get(webhook));
    }

    @Override
    public void putWebhookDelivery(WebhookDeliveryRecord delivery) throws StoreException {
        putOther(Records.WEBHOOK_DELIVERIES, delivery.webhook(), delivery);
    }

    @Override
    public boolean removeWebhookDelivery(String webhook) throws StoreException {
        return removeOther(Records.WEBHOOK_DELIVERIES, webhook);
    }

    // ---- OCSP stapling ------------------------------------------------------------------------

    @Override
    public Collection<OcspResponseRecord> ocspResponses() {
        return List.copyOf(ocspResponses.values());
    }

    @Override
    public Optional<OcspResponseRecord> ocspResponse(String certificate) {
        return Optional.ofNullable(ocspResponses.get(certificate));
    }

    @Override
    public void putOcspResponse(OcspResponseRecord record) throws StoreException {
        putOther(Records.OCSP_RESPONSES, record.certificate(), record);
        listeners.forEach(l -> l.ocspChanged(record.certificate()));
    }

    @Override
    public boolean removeOcspResponse(String certificate) throws StoreException {
        boolean removed = removeOther(Records.OCSP_RESPONSES, certificate);
        if (removed) {
            listeners.forEach(l -> l.ocspChanged(certificate));
        }
        return removed;
    }

    @Override
    public long nextRevision() {
        return clock.next();
    }

    @Override
    public void addListener(StoreListener listener) {
        listeners.add(listener);
    }

    @Override
    public Sealer sealer() {
        return sealer;
    }

    @Override
    public void close() {
        // every write is already durable
    }
}
