package dev.gatehouse.cluster.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>Why a little over 400 lines: the on-disk format, its lock, the tombstones and the change events
 * of every record kind are one consistency unit; the per-kind parts are already in the record-kind
 * registry.
 */
public final class FileStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(FileStore.class);

    /** A file that was skipped on load, and why. */
    public record LoadProblem(Path file, String reason) {
    }

    /** The tombstone lifetime when none is configured ({@code store.tombstoneTtl}). */
    public static final Duration DEFAULT_TOMBSTONE_TTL = Duration.ofDays(7);

    private final SnapshotFiles files;
    private final Sealer sealer;
    private final Clock wall;
    private final Duration tombstoneTtl;
    private final HybridClock clock;
    /** Epoch ms of the last reconciliation with a cluster, -1 when never; written by the grid's event thread. */
    private volatile long syncedAt = -1;
    /** kind → key → record; one map per {@link RecordKinds#ALL} kind, filled in the constructor. */
    private final Map<String, Map<String, Object>> live = new ConcurrentHashMap<>();
    private final ChangeDispatcher changes = new ChangeDispatcher();
    private final List<LoadProblem> problems = new ArrayList<>();
    /** kind → key → revision of the delete; kept so a delete wins merges against older copies. */
    private final Map<String, Map<String, Long>> tombstones = new ConcurrentHashMap<>();
    static final List<String> KINDS = RecordKinds.NAMES;

    private FileStore(Path root, Sealer sealer, Clock wall, Duration tombstoneTtl) {
        this.files = new SnapshotFiles(root);
        this.sealer = sealer;
        this.wall = wall;
        this.tombstoneTtl = tombstoneTtl;
        this.clock = new HybridClock(wall);
        for (String kind : KINDS) {
            live.put(kind, new ConcurrentHashMap<>());
            tombstones.put(kind, new ConcurrentHashMap<>());
        }
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

    private void load() throws IOException {
        syncedAt = new SnapshotLoader(files, sealer, clock, this::expired, problems).load(tombstones, live);
        log.info("event=store_loaded dir={} certificates={} tenants={} tokens={} domains={} managed={} rejected={} "
                + "synced_at={}", files.root(), live(Records.CERTIFICATES).size(), live(Records.TENANTS).size(),
                live(Records.TOKENS).size(), live(Records.DOMAINS).size(), live(Records.MANAGED).size(),
                problems.size(), syncedAt < 0 ? "never" : Instant.ofEpochMilli(syncedAt));
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
        files.writeSyncState(millis);
        syncedAt = millis;
    }

    /** Forgets deletes older than the tombstone lifetime; returns how many, by kind (kinds with none left out). */
    public synchronized Map<String, Integer> pruneTombstones() {
        Map<String, Integer> pruned = new TreeMap<>();
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

    /** Files skipped when the store was opened. */
    public List<LoadProblem> loadProblems() {
        return List.copyOf(problems);
    }

    /** Bulk mode (this thread): replicated writes skip per-file fsync until {@link #endBulk()} syncs once. */
    void beginBulk() {
        files.beginBulk();
    }

    void endBulk() throws StoreException {
        files.endBulk();
    }

    /** Deletes by writing a tombstone first (so a crash in between leaves the delete in force). */
    private boolean delete(String kind, String key, long revision) throws StoreException {
        try {
            files.writeTombstone(kind, key, revision);
            tombstones.get(kind).put(key, revision);
            return files.deleteRecord(kind, key);
        } catch (IOException e) {
            throw new StoreException("cannot delete " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    private void clearTombstone(String kind, String key) {
        if (tombstones.get(kind).remove(key) != null) {
            files.deleteTombstone(kind, key);
        }
    }

    // ---- generic access for replication (GridStore) ----------------------------------------

    /** Keys of a kind, live or deleted. */
    synchronized Set<String> keys(String kind) {
        Set<String> out = new HashSet<>(tombstones.get(kind).keySet());
        out.addAll(live(kind).keySet());
        return out;
    }

    /** Revision of an object (its record's, or its tombstone's), or -1 when unknown. */
    synchronized long revisionOf(String kind, String key) {
        Object r = live(kind).get(key);
        if (r != null) {
            return revision(RecordKinds.of(kind), r);
        }
        Long t = tombstones.get(kind).get(key);
        return t == null ? -1 : t;
    }

    private static <T> long revision(RecordKind<T> kind, Object record) {
        return kind.revisionOf(kind.cast(record));
    }

    /** The object's JSON, or null when deleted or unknown. */
    synchronized String jsonOf(String kind, String key) {
        Object r = live(kind).get(key);
        try {
            return r == null ? null : SnapshotFiles.JSON.writeValueAsString(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Applies a replicated change when it is newer than what this node holds: {@code json} is the
     * record, or null for a delete. Returns true when applied.
     */
    boolean applyReplicated(String kind, String key, long revision, String json) throws StoreException {
        return applyReplicated(kind, key, revision, json, null);
    }

    /**
     * Like {@link #applyReplicated(String, String, long, String)} with the record already parsed from
     * {@code json} ({@link #parse}; null: parsed here): a catch-up parses a batch on several threads,
     * outside the store's lock.
     */
    boolean applyReplicated(String kind, String key, long revision, String json, Object parsed)
            throws StoreException {
        try {
            synchronized (this) {
                return applyLocked(kind, key, revision, json, parsed);
            }
        } finally {
            changes.deliver();
        }
    }

    private boolean applyLocked(String kind, String key, long revision, String json, Object parsed)
            throws StoreException {
        clock.observe(revision);
        if (revision <= revisionOf(kind, key)) {
            return false;
        }
        if (json == null && expired(revision) && !live(kind).containsKey(key)) {
            return false; // a delete already forgotten: nothing here to delete, no tombstone to keep
        }
        return put(kind, key, revision, json, parsed);
    }

    /** A replicated record's JSON as its kind's record (thread-safe, no lock). */
    static Object parse(String kind, String key, String json) throws StoreException {
        try {
            return SnapshotFiles.JSON.readValue(json, type(kind));
        } catch (IOException e) {
            throw new StoreException("replicated " + kind + " " + key + " does not parse: " + e.getMessage(), e);
        }
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
    void adopt(String kind, String key, long revision, String json) throws StoreException {
        try {
            synchronized (this) {
                adoptLocked(kind, key, revision, json);
            }
        } finally {
            changes.deliver();
        }
    }

    private void adoptLocked(String kind, String key, long revision, String json) throws StoreException {
        if (json == null && revision < 0) {
            if (live(kind).remove(key) != null) {
                notifyRemoved(kind, key);
            }
            try {
                files.deleteRecord(kind, key);
            } catch (IOException e) {
                throw new StoreException("cannot drop " + kind + " " + key + ": " + e.getMessage(), e);
            }
            clearTombstone(kind, key);
            return;
        }
        clock.observe(revision);
        put(kind, key, revision, json, null);
    }

    /** A replicated change applied: the record (parsed from {@code json} unless given) or, json null, its delete. */
    private boolean put(String kind, String key, long revision, String json, Object parsed) throws StoreException {
        if (json == null) {
            boolean existed = live(kind).remove(key) != null;
            delete(kind, key, revision);
            if (existed) {
                notifyRemoved(kind, key);
            }
            return true;
        }
        Object record = parsed != null ? RecordKinds.of(kind).cast(parsed) : parse(kind, key, json);
        live(kind).put(key, record);
        // the replicated JSON as it came (not encoded again): it is the record's JSON, and it parses the same
        files.writeRecordJson(kind, key, json);
        clearTombstone(kind, key);
        notifyPut(kind, record);
        return true;
    }

    private Map<String, Object> live(String kind) {
        Map<String, Object> m = live.get(kind);
        if (m == null) {
            throw new IllegalArgumentException("kind: " + kind + " (expected one of " + KINDS + ")");
        }
        return m;
    }

    static Class<?> type(String kind) {
        return RecordKinds.of(kind).type();
    }

    /** Queues the put event (under the lock); {@link ChangeDispatcher#deliver()} runs it once the lock is released. */
    private void notifyPut(String kind, Object record) {
        queuePut(RecordKinds.of(kind), record);
    }

    private <T> void queuePut(RecordKind<T> kind, Object record) {
        T r = kind.cast(record);
        changes.queue(l -> kind.firePut(l, r));
    }

    private void notifyRemoved(String kind, String key) {
        RecordKind<?> k = RecordKinds.of(kind);
        changes.queue(l -> k.fireRemoved(l, key));
    }

    // ---- Store: the generic operations, then listeners ---------------------------------------

    @Override
    @SuppressWarnings("unchecked")
    public <T> Collection<T> records(RecordKind<T> kind) {
        return (Collection<T>) List.copyOf(live(kind.name()).values());
    }

    @Override
    public <T> Optional<T> record(RecordKind<T> kind, String key) {
        return Optional.ofNullable(live(kind.name()).get(key)).map(kind::cast);
    }

    @Override
    public <T> void put(RecordKind<T> kind, T record) throws StoreException {
        try {
            synchronized (this) {
                String key = kind.keyOf(kind.cast(record));
                clearTombstone(kind.name(), key);
                files.writeRecord(kind.name(), key, record);
                live(kind.name()).put(key, record);
                notifyPut(kind.name(), record);
            }
        } finally {
            changes.deliver();
        }
    }

    @Override
    public boolean remove(RecordKind<?> kind, String key) throws StoreException {
        try {
            synchronized (this) {
                if (!live(kind.name()).containsKey(key)) {
                    return false;
                }
                delete(kind.name(), key, clock.next());
                live(kind.name()).remove(key);
                notifyRemoved(kind.name(), key);
                return true;
            }
        } finally {
            changes.deliver();
        }
    }

    @Override
    public long nextRevision() {
        return clock.next();
    }

    @Override
    public void addListener(StoreListener listener) {
        changes.addListener(listener);
    }

    /**
     * Waits until every change made so far has reached every listener (a write returns before its
     * listeners ran when another thread is delivering, e.g. the grid's event thread): a node is not
     * ready before its engine has seen what start-up wrote. Not from a listener.
     *
     * @return false when that did not happen within {@code max}
     */
    public boolean awaitChangesDelivered(Duration max) throws InterruptedException {
        return changes.awaitIdle(max.toMillis());
    }

    /** Changes queued for the listeners and not yet taken for delivery (start-up progress). */
    public int changesQueued() {
        return changes.queued();
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
