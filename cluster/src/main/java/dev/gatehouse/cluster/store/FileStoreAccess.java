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
}
