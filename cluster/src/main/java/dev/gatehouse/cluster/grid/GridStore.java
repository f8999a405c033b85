package dev.gatehouse.cluster.grid;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.cluster.store.AcmeAccountRecord;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.ChallengeRecord;
import dev.gatehouse.cluster.store.DomainRecord;
import dev.gatehouse.cluster.store.ManagedCertificateRecord;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.HybridClock;
import dev.gatehouse.cluster.store.PoolRecord;
import dev.gatehouse.cluster.store.Records;
import dev.gatehouse.cluster.store.RouteRecord;
import dev.gatehouse.cluster.store.SealException;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.cluster.store.StoreListener;
import dev.gatehouse.cluster.store.TenantRecord;
import dev.gatehouse.cluster.store.TokenRecord;
import dev.gatehouse.cluster.store.EventRecord;
import dev.gatehouse.cluster.store.WebhookDeliveryRecord;
import dev.gatehouse.cluster.store.OcspResponseRecord;
import dev.gatehouse.cluster.store.WebhookRecord;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of a cluster: every object lives in a Hazelcast map, sealed with the cluster key, and
 * every node keeps the full data set in its local {@link FileStore} (its durable snapshot), from
 * which it reads. Writes go to the grid under a revision guard (higher revision wins) and to the
 * local snapshot before they are acknowledged; every node applies the map events to its snapshot
 * and so to its engine. A node that starts reconciles with the grid (newer wins, in both
 * directions: this is how a full-cluster restart re-seeds the grid) before it reports ready, and
 * again on membership changes and every 30 s. Tombstones expire after the local store's
 * {@link FileStore#tombstoneTtl()}, on disk and in the grid; a node whose store was away longer
 * than that takes the cluster's state instead of pushing records the cluster has forgotten (see
 * {@link #reconcile()}). The clock is the local store's, so tests can move time.
 *
 * <p>An entry that does not open with the cluster key (a rogue member's, or tampered) is never
 * applied: it is logged, counted, and overwritten with this node's copy when it has one.
 * Hazelcast's CP subsystem is not used (not in the community edition since 5.5).
 */
public final class GridStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(GridStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HazelcastInstance hz;
    private final FileStore local;
    private final Sealer clusterSealer;
    private final FileStoreAccess access;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong reconciliations = new AtomicLong();
    private volatile long lastReconcileNanos = -1;
    /** Grid values sealed with another key than this node's sealing key, as counted by the last pass (-1: none yet). */
    private volatile int retiredKeyEntries = -1;
    /** Entries the last pass compared by revision, and those it had to fetch and open. */
    private volatile long lastPassCompared = -1;
    private volatile long lastPassFetched = -1;
    private volatile java.util.function.LongConsumer replicationLag = lag -> { };
    private final AtomicLong prunedInGrid = new AtomicLong();
    private final java.time.Clock clock;
    /** True until the first reconciliation completed; written by the thread running the passes. */
    private volatile boolean firstPass = true;
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gatehouse-grid-events");
        t.setDaemon(true);
        return t;
    });
    private final List<UUID> registrations = new java.util.ArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService antiEntropy =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gatehouse-grid-anti-entropy");
                t.setDaemon(true);
                return t;
            });

    public GridStore(HazelcastInstance hz, FileStore local, Sealer clusterSealer) {
        this.hz = hz;
        this.local = local;
        this.clusterSealer = clusterSealer;
        this.access = new FileStoreAccess(local);
        this.clock = access.clock();
    }

    /** Subscribes to the grid and reconciles with it; returns when this node has caught up. */
    public GridStore start() throws StoreException {
        for (String kind : FileStoreAccess.kinds()) {
            IMap<String, String> map = hz.getMap(MapNames.of(kind));
            registrations.add(map.addEntryListener(new Listener(kind), true));
        }
        reconcile();
        // An event can be lost when a member dies between a write and its notification; a membership
        // change, and a periodic pass, re-run reconciliation (anti-entropy) on the event thread.
        hz.getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
            @Override
            public void memberAdded(com.hazelcast.cluster.MembershipEvent e) {
                scheduleReconcile();
            }

            @Override
            public void memberRemoved(com.hazelcast.cluster.MembershipEvent e) {
                scheduleReconcile();
            }
        });
        antiEntropy.scheduleWithFixedDelay(this::scheduleReconcile, 30, 30, TimeUnit.SECONDS);
        return this;
    }

    private void scheduleReconcile() {
        events.execute(() -> {
            try {
                reconcile();
            } catch (StoreException | RuntimeException e) {
                log.warn("event=grid_reconcile_failed cause={}", e.toString());
            }
        });
    }

    /** Runs one reconciliation pass on the event thread now and waits for it (tests: no 30 s wait). */
    void reconcileNow() throws Exception {
        events.submit(() -> {
            reconcile();
            return null;
        }).get(60, TimeUnit.SECONDS);
    }

    /** Entries seen in the grid that did not open with the cluster key. */
    /**
     * Tells {@code listener}, on the grid's event thread, how long each change written by another
     * member took until it was applied here: this node's wall clock at apply minus the wall-clock part
     * of the change's revision (milliseconds; so it includes the two nodes' clock offset, and a
     * negative figure is reported as 0). Must be cheap and must not throw.
     */
    public void onReplicationLag(java.util.function.LongConsumer listener) {
        this.replicationLag = listener;
    }

    /**
     * Grid values still sealed with a key other than this node's sealing key after the last
     * reconciliation pass (the oldest member re-seals them during its passes, every 30 s), or -1
     * before the first pass: a key rotation is finished when this is 0 on every node.
     */
    public int retiredKeyEntries() {
        return retiredKeyEntries;
    }

    /** Entries (grid and local, all kinds) the last reconciliation pass compared by revision; -1 before it. */
    public long lastPassCompared() {
        return lastPassCompared;
    }

    /** Entries the last pass fetched from the grid and opened because their revisions differed; -1 before it. */
    public long lastPassFetched() {
        return lastPassFetched;
    }

    public long rejectedEntries() {
        return rejected.get();
    }

    private static final int BATCH = 1000;

    /**
     * Newer wins, both ways: pulls what the grid has newer (in bulk, synced once at the end), pushes
     * what this node has newer (re-seeding the grid after a full restart), and re-seals values
     * sealed with a retired cluster key (only the oldest member does, to avoid duelling writes).
     *
     * <p>Except past the tombstone lifetime ({@link Horizon}). A stale store (away longer than the
     * lifetime, joining a grid another node seeded) drops a local record the grid does not have
     * instead of pushing it, and a grid tombstone beats its local record whatever the revisions;
     * records present in both still resolve by revision. A node whose snapshot is a lifetime newer
     * than the snapshot that re-seeded the grid deletes again what that seed brought back. A token
     * revoked in the grid stays revoked whatever the revisions (revocation is one-way). After a
     * completed pass the store records the pass's start as its sync time and forgets expired
     * tombstones; the oldest member forgets them in the grid.
     */
    private void reconcile() throws StoreException {
        long t0 = System.nanoTime();
        boolean oldest = hz.getCluster().getMembers().iterator().next().localMember();
        Horizon horizon = Horizon.begin(hz, access, firstPass);
        boolean stale = horizon.stale();
        int pulled = 0;
        int pushed = 0;
        int resealed = 0;
        int underRetiredKey = 0;
        long compared = 0;
        long fetched = 0;
        java.util.Map<String, Integer> dropped = new java.util.TreeMap<>();
        java.util.Map<String, Integer> deletedAgain = new java.util.TreeMap<>();
        access.beginBulk();
        try {
            for (String kind : FileStoreAccess.kinds()) {
                String mapName = MapNames.of(kind);
                IMap<String, String> map = hz.getMap(mapName);
                // compare revisions first (computed where the entries live, values stay put): only the
                // keys whose revisions differ, or whose value is under a retired key, are fetched and opened
                String sealing = clusterSealer.sealingKeyId();
                java.util.Map<String, RevisionProjection.Summary> summaries = new java.util.HashMap<>();
                for (String row : map.project(new RevisionProjection())) {
                    RevisionProjection.Summary sum = RevisionProjection.parse(row);
                    if (sum != null) {
                        summaries.put(sum.key(), sum);
                        if (!sealing.equals(sum.keyId())) {
                            underRetiredKey++;
                        }
                    }
                }
                Set<String> keys = new HashSet<>(summaries.keySet());
                keys.addAll(access.keys(kind));
                List<String> all = new java.util.ArrayList<>(keys.size());
                for (String key : keys) {
                    RevisionProjection.Summary sum = summaries.get(key);
                    long mine = access.revisionOf(kind, key);
                    if (sum != null && mine >= 0 && sum.revision() == mine && sealing.equals(sum.keyId())) {
                        continue; // the same write on both sides, sealed with the current key: in sync
                    }
                    all.add(key);
                }
                compared += keys.size();
                fetched += all.size();
                for (int from = 0; from < all.size(); from += BATCH) {
                    Set<String> batch = new HashSet<>(all.subList(from, Math.min(all.size(), from + BATCH)));
                    java.util.Map<String, String> gridValues = map.getAll(batch);
                    for (String key : batch) {
                        String encoded = gridValues.get(key);
                        GridValue grid = null;
                        if (encoded != null) {
                            try {
                                grid = GridValue.decode(clusterSealer, mapName, key, encoded);
                            } catch (SealException e) {
                                reject(mapName, key, e);
                            }
                        }
                        long mine = access.revisionOf(kind, key);
                        boolean mineLive = access.isLive(kind, key);
                        if (horizon.reSeededFromOlderSnapshot(mine, grid)) {
                            write(kind, key, nextRevision(), null);
                            deletedAgain.merge(kind, 1, Integer::sum);
                            log.debug("event=stale_seed_record_deleted kind={} key={}", kind, key);
                        } else if (grid != null && grid.revision() > mine) {
                            if (access.apply(kind, key, grid.revision(), grid.json())) {
                                pulled++;
                            }
                        } else if (stale && mineLive && (encoded == null || grid != null && grid.tombstone())) {
                            // the cluster has no such record (deleted and forgotten?) or deleted it: take its word
                            access.adopt(kind, key, grid == null ? -1 : grid.revision(), null);
                            dropped.merge(kind, 1, Integer::sum);
                            log.debug("event=stale_record_dropped kind={} key={} grid={}", kind, key,
                                    grid == null ? "absent" : "deleted");
                        } else if (stale && encoded != null && grid == null) {
                            continue; // unreadable in the grid: a stale copy is no better, leave healing to others
                        } else if (mineLive && grid != null && grid.revision() < mine
                                && revokedOnlyInGrid(kind, grid, key)) {
                            access.adopt(kind, key, grid.revision(), grid.json());
                            dropped.merge(kind, 1, Integer::sum);
                            log.debug("event=stale_record_dropped kind={} key={} grid=revoked", kind, key);
                        } else if (mine >= 0 && (grid == null || mine > grid.revision())) {
                            if (!mineLive && access.expired(mine)) {
                                continue; // a forgotten delete: nothing to tell the grid
                            }
                            push(kind, key, mine, access.jsonOf(kind, key));
                            pushed++;
                        } else if (oldest && grid != null && !clusterSealer.sealingKeyId().equals(
                                GridValue.keyIdOf(encoded))) {
                            reseal(kind, key, grid);
                            resealed++;
                        }
                    }
                }
            }
        } finally {
            access.endBulk();
        }
        firstPass = false;
        retiredKeyEntries = Math.max(0, underRetiredKey - resealed);
        lastPassCompared = compared;
        lastPassFetched = fetched;
        access.markSynced(horizon.passStart());
        dropped.forEach((kind, n) -> log.warn("event=stale_records_dropped kind={} dropped={} {} reason=the cluster "
                + "no longer has them (or revoked them) and this store was away longer than the horizon", kind, n,
                horizon.describe()));
        deletedAgain.forEach((kind, n) -> log.warn("event=stale_seed_records_deleted kind={} deleted={} {} reason=the "
                + "grid was re-seeded from a snapshot a horizon older than this one; these records were deleted since",
                kind, n, horizon.describe()));
        access.pruneTombstones();
        if (oldest) {
            java.util.Map<String, Integer> pruned = Horizon.pruneGrid(hz, clock.millis(), access.tombstoneTtl());
            if (!pruned.isEmpty()) {
                prunedInGrid.addAndGet(pruned.values().stream().mapToInt(Integer::intValue).sum());
                log.info("event=tombstones_pruned where=grid pruned={} horizon={}", pruned, access.tombstoneTtl());
            }
        }
        log.info("event=grid_reconciled compared={} fetched={} pulled={} pushed={} resealed={} dropped={} "
                + "deleted_again={} stale={} seeded={} took_ms={}", compared, fetched, pulled, pushed, resealed,
                dropped.values().stream().mapToInt(Integer::intValue).sum(),
                deletedAgain.values().stream().mapToInt(Integer::intValue).sum(), stale, horizon.seeding(),
                (System.nanoTime() - t0) / 1_000_000);
        lastReconcileNanos = System.nanoTime() - t0;
        reconciliations.incrementAndGet();
    }

    /** A token this node holds unrevoked that the grid holds revoked (at any revision): revocation is one-way. */
    private boolean revokedOnlyInGrid(String kind, GridValue grid, String key) {
        if (!Records.TOKENS.equals(kind) || grid.tombstone()) {
            return false;
        }
        try {
            return JSON.readValue(grid.json(), TokenRecord.class).revoked()
                    && !JSON.readValue(access.jsonOf(kind, key), TokenRecord.class).revoked();
        } catch (IOException e) {
            return false;
        }
    }

    /** Grid tombstones this node has forgotten (as the oldest member) since it started. */
    public long prunedGridTombstones() {
        return prunedInGrid.get();
    }

    /** Completed reconciliation passes since this store started. */
    public long reconciliations() {
        return reconciliations.get();
    }

    /** How long the last completed reconciliation pass took, in nanoseconds (-1 when none yet). */
    public long lastReconcileNanos() {
        return lastReconcileNanos;
    }

    /** Epoch ms of this node's last completed reconciliation with the grid, -1 when never. */
    public long syncedAt() {
        return access.syncedAt();
    }

    /**
     * Rewrites an object sealed with a retired cluster key under the current one, at a new revision
     * (a certificate's private key is re-sealed too: its associated data binds the revision).
     */
    private void reseal(String kind, String key, GridValue v) throws StoreException {
        long rev = nextRevision();
        if (v.tombstone()) {
            write(kind, key, rev, null);
            return;
        }
        try {
            if (Records.CERTIFICATES.equals(kind)) {
                CertificateRecord c = JSON.readValue(v.json(), CertificateRecord.class);
                byte[] k = clusterSealer.open(c.sealedKey(), c.keyAad());
                CertificateRecord next = new CertificateRecord(c.id(), c.tenant(), c.names(), rev, c.chainPem(),
                        clusterSealer.seal(k, CertificateRecord.keyAad(c.id(), c.names(), rev)), c.keyType(),
                        c.notBefore(), c.notAfter(), c.fingerprint(), c.issuer(), c.serial(), c.managed(), c.createdAt(),
                        c.updatedAt());
                java.util.Arrays.fill(k, (byte) 0);
                write(kind, key, rev, next);
            } else if (Records.ACME_ACCOUNTS.equals(kind)) {
                AcmeAccountRecord a = JSON.readValue(v.json(), AcmeAccountRecord.class);
                byte[] k = clusterSealer.open(a.sealedKey(), a.keyAad());
                AcmeAccountRecord next = new AcmeAccountRecord(a.id(), a.directory(), a.accountUrl(),
                        clusterSealer.seal(k, a.keyAad()), a.publicKey(), a.createdAt(), rev);
                java.util.Arrays.fill(k, (byte) 0);
                write(kind, key, rev, next);
            } else if (Records.WEBHOOKS.equals(kind)) {
                WebhookRecord w = JSON.readValue(v.json(), WebhookRecord.class);
                byte[] k = clusterSealer.open(w.sealedSecret(), w.secretAad());
                WebhookRecord next = new WebhookRecord(w.id(), w.tenant(), w.url(), w.types(),
                        clusterSealer.seal(k, w.secretAad()), w.startAfter(), w.createdAt(), w.description(), rev,
                        w.restricted());
                java.util.Arrays.fill(k, (byte) 0);
                write(kind, key, rev, next);
            } else {
                com.fasterxml.jackson.databind.node.ObjectNode n =
                        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(v.json());
                n.put("revision", rev);
                write(kind, key, rev, JSON.treeToValue(n, FileStoreAccess.type(kind)));
            }
        } catch (IOException | SealException e) {
            log.warn("event=reseal_failed map={} key={} cause={}", MapNames.of(kind), key, e.toString());
        }
    }

    private boolean push(String kind, String key, long revision, String json) {
        String mapName = MapNames.of(kind);
        IMap<String, String> map = hz.getMap(mapName);
        return map.executeOnKey(key, new RevisionGuard(GridValue.encode(clusterSealer, mapName, key, revision, json)));
    }

    /** Grid first (so other nodes see it), then the local snapshot (so it survives a full restart). */
    private void write(String kind, String key, long revision, Object record) throws StoreException {
        String json;
        try {
            json = record == null ? null : JSON.writeValueAsString(record);
        } catch (IOException e) {
            throw new StoreException("cannot encode " + kind + " " + key, e);
        }
        try {
            push(kind, key, revision, json);
        } catch (RuntimeException e) {
            throw new StoreException("the grid refused " + kind + " " + key + ": " + e.getMessage(), e);
        }
        access.apply(kind, key, revision, json);
    }

    private void reject(String mapName, String key, Exception e) {
        rejected.incrementAndGet();
        log.error("event=grid_entry_rejected map={} key={} reason={}", mapName, key, e.getMessage());
    }

    private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryMergedListener<String, String> {
        private final String kind;

        Listener(String kind) {
            this.kind = kind;
        }

        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            onChange(event);
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            onChange(event);
        }

        @Override
        public void entryMerged(EntryEvent<String, String> event) {
            onChange(event);
        }

        /** Hazelcast event threads only enqueue; the single event thread opens, writes, notifies. */
        private void onChange(EntryEvent<String, String> event) {
            String key = event.getKey();
            String value = event.getValue();
            boolean remote = event.getMember() != null && !event.getMember().localMember();
            events.execute(() -> apply(kind, key, value, remote));
        }
    }

    private void apply(String kind, String key, String encoded, boolean remote) {
        String mapName = MapNames.of(kind);
        try {
            GridValue v = GridValue.decode(clusterSealer, mapName, key, encoded);
            access.apply(kind, key, v.revision(), v.json());
            if (remote) {
                replicationLag.accept(Math.max(0, clock.millis() - HybridClock.millis(v.revision())));
            }
        } catch (SealException e) {
            reject(mapName, key, e);
            long mine = access.revisionOf(kind, key);
            if (mine >= 0) {
                // heal: put our valid copy back over the forged one
                hz.<String, String>getMap(mapName).put(key,
                        GridValue.encode(clusterSealer, mapName, key, mine, access.jsonOf(kind, key)));
            }
        } catch (StoreException | RuntimeException e) {
            log.error("event=grid_apply_failed map={} key={} cause={}", mapName, key, e.toString());
        }
    }

    // ---- Store: reads from the local snapshot, writes through the grid -----------------------

    @Override
    public Collection<CertificateRecord> certificates() {
        return local.certificates();
    }

    @Override
    public Optional<CertificateRecord> certificate(String id) {
        return local.certificate(id);
    }

    @Override
    public void putCertificate(CertificateRecord r) throws StoreException {
        write(Records.CERTIFICATES, r.id(), r.revision(), r);
    }

    @Override
    public boolean removeCertificate(String id) throws StoreException {
        if (local.certificate(id).isEmpty()) {
            return false;
        }
        write(Records.CERTIFICATES, id, nextRevision(), null);
        return true;
    }

    @Override
    public Collection<TenantRecord> tenants() {
        return local.tenants();
    }

    @Override
    public Optional<TenantRecord> tenant(String id) {
        return local.tenant(id);
    }

    @Override
    public void putTenant(TenantRecord t) throws StoreException {
        write(Records.TENANTS, t.id(), t.revision(), t);
    }

    @Override
    public boolean removeTenant(String id) throws StoreException {
        if (local.tenant(id).isEmpty()) {
            return false;
        }
        write(Records.TENANTS, id, nextRevision(), null);
        return true;
    }

    @Override
    public Collection<TokenRecord> tokens() {
        return local.tokens();
    }

    @Override
    public Optional<TokenRecord> token(String id) {
        return local.token(id);
    }

    @Override
    public void putToken(TokenRecord t) throws StoreException {
        write(Records.TOKENS, t.id(), t.revision(), t);
    }

    @Override
    public Collection<PoolRecord> pools() {
        return local.pools();
    }

    @Override
    public void putPool(PoolRecord p) throws StoreException {
        write(Records.POOLS, p.name(), p.revision(), p);
    }

    @Override
    public boolean removePool(String name) throws StoreException {
        if (local.pools().stream().noneMatch(p -> p.name().equals(name))) {
            return false;
        }
        write(Records.POOLS, name, nextRevision(), null);
        return true;
    }

    @Override
    public Collection<RouteRecord> routes() {
        return local.routes();
    }

    @Override
    public void putRoute(RouteRecord r) throws StoreException {
        write(Records.ROUTES, r.host(), r.revision(), r);
    }

    @Override
    public boolean removeRoute(String host) throws StoreException {
        if (local.routes().stream().noneMatch(r -> r.host().equals(host))) {
            return false;
        }
        write(Records.ROUTES, host, nextRevision(), null);
        return true;
    }

    @Override
    public Collection<DomainRecord> domains() {
        return local.domains();
    }

    @Override
    public Optional<DomainRecord> domain(String name) {
        return local.domain(name);
    }

    @Override
    public void putDomain(DomainRecord d) throws StoreException {
        write(Records.DOMAINS, d.key(), d.revision(), d);
    }

    @Override
    public boolean removeDomain(String key) throws StoreException {
        if (local.domain(key).isEmpty()) {
            return false;
        }
        write(Records.DOMAINS, key, nextRevision(), null);
        return true;
    }

    @Override
    public Optional<AcmeAccountRecord> acmeAccount(String id) {
        return local.acmeAccount(id);
    }

    @Override
    public void putAcmeAccount(AcmeAccountRecord a) throws StoreException {
        write(Records.ACME_ACCOUNTS, a.id(), a.revision(), a);
    }

    @Override
    public Collection<ChallengeRecord> challenges() {
        return local.challenges();
    }

    @Override
    public Optional<ChallengeRecord> challenge(String token) {
        return local.challenge(token);
    }

    @Override
    public void putChallenge(ChallengeRecord c) throws StoreException {
        write(Records.CHALLENGES, c.token(), c.revision(), c);
    }

    @Override
    public boolean removeChallenge(String token) throws StoreException {
        if (local.challenge(token).isEmpty()) {
            return false;
        }
        write(Records.CHALLENGES, token, nextRevision(), null);
        return true;
    }

    @Override
    public Collection<ManagedCertificateRecord> managedCertificates() {
        return local.managedCertificates();
    }

    @Override
    public Optional<ManagedCertificateRecord> managedCertificate(String name) {
        return local.managedCertificate(name);
    }

    @Override
    public void putManagedCertificate(ManagedCertificateRecord m) throws StoreException {
        write(Records.MANAGED, m.name(), m.revision(), m);
    }

    @Override
    public boolean removeManagedCertificate(String name) throws StoreException {
        if (local.managedCertificate(name).isEmpty()) {
            return false;
        }
        write(Records.MANAGED, name, nextRevision(), null);
        return true;
    }

    @Override
    public Collection<EventRecord> events() {
        return local.events();
    }

    @Override
    public Optional<EventRecord> event(String id) {
        return local.event(id);
    }

    @Override
    public void putEvent(EventRecord e) throws StoreException {
        write(Records.EVENTS, e.id(), e.revision(), e);
    }

    @Override
    public boolean removeEvent(String id) throws StoreException {
        return removeIfLive(Records.EVENTS, id, local.event(id).isPresent());
    }

    @Override
    public Collection<WebhookRecord> webhooks() {
        return local.webhooks();
    }

    @Override
    public Optional<WebhookRecord> webhook(String id) {
        return local.webhook(id);
    }

    @Override
    public void putWebhook(WebhookRecord w) throws StoreException {
        write(Records.WEBHOOKS, w.id(), w.revision(), w);
    }

    @Override
    public boolean removeWebhook(String id) throws StoreException {
        return removeIfLive(Records.WEBHOOKS, id, local.webhook(id).isPresent());
    }

    @Override
    public Collection<WebhookDeliveryRecord> webhookDeliveries() {
        return local.webhookDeliveries();
    }

    @Override
    public Optional<WebhookDeliveryRecord> webhookDelivery(String webhook) {
        return local.webhookDelivery(webhook);
    }

    @Override
    public void putWebhookDelivery(WebhookDeliveryRecord d) throws StoreException {
        write(Records.WEBHOOK_DELIVERIES, d.webhook(), d.revision(), d);
    }

    @Override
    public boolean removeWebhookDelivery(String webhook) throws StoreException {
        return removeIfLive(Records.WEBHOOK_DELIVERIES, webhook, local.webhookDelivery(webhook).isPresent());
    }

    // ---- OCSP stapling ------------------------------------------------------------------------

    @Override
    public Collection<OcspResponseRecord> ocspResponses() {
        return local.ocspResponses();
    }

    @Override
    public Optional<OcspResponseRecord> ocspResponse(String certificate) {
        return local.ocspResponse(certificate);
    }

    @Override
    public void putOcspResponse(OcspResponseRecord r) throws StoreException {
        write(Records.OCSP_RESPONSES, r.certificate(), r.revision(), r);
    }

    @Override
    public boolean removeOcspResponse(String certificate) throws StoreException {
        return removeIfLive(Records.OCSP_RESPONSES, certificate, local.ocspResponse(certificate).isPresent());
    }

    private boolean removeIfLive(String kind, String key, boolean live) throws StoreException {
        if (!live) {
            return false;
        }
        write(kind, key, nextRevision(), null);
        return true;
    }

    @Override
    public long nextRevision() {
        return local.nextRevision();
    }

    @Override
    public void addListener(StoreListener listener) {
        local.addListener(listener);
    }

    @Override
    public Sealer sealer() {
        return local.sealer();
    }

    /** Waits until every queued grid event has been applied (tests, and orderly shutdown). */
    public void drainEvents() throws InterruptedException {
        try {
            events.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("grid events did not drain", e);
        }
    }

    @Override
    public void close() {
        antiEntropy.shutdownNow();
        events.shutdown();
        try {
            events.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        local.close();
    }
}
