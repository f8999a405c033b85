package dev.gatehouse.cluster.store;

import java.util.List;
import java.util.Set;

/**
 * The replication side of a {@link FileStore} (kind/key/revision/JSON), for the grid store. Kept
 * out of the public {@link Store} interface: only replication applies changes by revision.
 */
public final class FileStoreAccess {

    private final FileStore store;

    public FileStoreAccess(FileStore store) {
        this.store = store;
    }

    /** The record class of a kind. */
    public static Class<?> type(String kind) {
        return FileStore.type(kind);
    }

    public static List<String> kinds() {
        return FileStore.KINDS;
    }

    public Set<String> keys(String kind) {
        return store.keys(kind);
    }

    public long revisionOf(String kind, String key) {
        return store.revisionOf(kind, key);
    }

    public String jsonOf(String kind, String key) {
        return store.jsonOf(kind, key);
    }

    /** A fresh revision from the store's clock (re-seals, deletes of records a stale seed brought back). */
    public long nextRevision() {
        return store.nextRevision();
    }

    public void beginBulk() {
        store.beginBulk();
    }

    public void endBulk() throws StoreException {
        store.endBulk();
    }

    /** Applies a change (json null = delete) when newer than the local copy. */
    public boolean apply(String kind, String key, long revision, String json) throws StoreException {
        return store.applyReplicated(kind, key, revision, json);
    }

    /**
     * Applies a change whose record was parsed already ({@link #parse}, on any thread, outside the
     * store's lock); same rules as {@link #apply(String, String, long, String)}.
     */
    public boolean apply(String kind, String key, long revision, String json, Object parsed) throws StoreException {
        return store.applyReplicated(kind, key, revision, json, parsed);
    }

    /** A replicated record's JSON as its kind's record; thread-safe. */
    public static Object parse(String kind, String key, String json) throws StoreException {
        return FileStore.parse(kind, key, json);
    }

    /** Takes the cluster's state whatever the revisions (json null + revision -1: the cluster has none). */
    public void adopt(String kind, String key, long revision, String json) throws StoreException {
        store.adopt(kind, key, revision, json);
    }

    public boolean isLive(String kind, String key) {
        return store.isLive(kind, key);
    }

    public java.time.Clock clock() {
        return store.clock();
    }

    public java.time.Duration tombstoneTtl() {
        return store.tombstoneTtl();
    }

    /** True when a delete at this revision is older than the tombstone lifetime. */
    public boolean expired(long revision) {
        return store.expired(revision);
    }

    /** Epoch ms of the last completed reconciliation with the cluster, -1 when never. */
    public long syncedAt() {
        return store.syncedAt();
    }

    public void markSynced(long millis) throws StoreException {
        store.markSynced(millis);
    }

    public java.util.Map<String, Integer> pruneTombstones() {
        return store.pruneTombstones();
    }
}
