package dev.gatehouse.cluster.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk layout of a {@link FileStore} and its writes: {@code <kind>/<hex key>.json} per record,
 * {@code tombstones/<kind>/<hex key>.json} per delete, {@code sync.json} for the last reconciliation.
 * Every write is atomic and, outside bulk mode, durable before it returns; in bulk mode (per thread:
 * the grid's catch-up thread writes in bulk while API writes stay synced one by one) the files and
 * directories written are remembered and synced once by {@link #endBulk()}.
 */
final class SnapshotFiles {

    /** Under the store's name: its log lines are the file store's. */
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final ObjectWriter PRETTY = JSON.writerWithDefaultPrettyPrinter();

    /** A tombstone as stored on disk. */
    record Tombstone(String key, long revision) {
    }

    /** Last reconciliation with a cluster, as stored in {@code store/sync.json}. */
    record SyncState(long syncedAt) {
    }

    private final Path root;
    private final ThreadLocal<Boolean> bulk = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Per thread: the directories written in bulk mode since {@link #beginBulk()}, synced by {@link #endBulk()}. */
    private final ThreadLocal<Set<Path>> bulkDirs = ThreadLocal.withInitial(HashSet::new);
    /** Per thread: the files written in bulk mode since {@link #beginBulk()}, flushed by {@link #endBulk()}. */
    private final ThreadLocal<Set<Path>> bulkFiles = ThreadLocal.withInitial(HashSet::new);

    SnapshotFiles(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path recordDir(String kind) {
        return root.resolve(kind);
    }

    Path tombstoneDir(String kind) {
        return root.resolve("tombstones").resolve(kind);
    }

    Path syncFile() {
        return root.resolve("sync.json");
    }

    Path recordFile(String kind, String key) {
        return recordDir(kind).resolve(fileName(key));
    }

    private Path tombstoneFile(String kind, String key) {
        return tombstoneDir(kind).resolve(fileName(key));
    }

    private static String fileName(String key) {
        return HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + ".json";
    }

    /** Bulk mode (this thread): replicated writes skip per-file fsync until {@link #endBulk()} syncs once. */
    void beginBulk() {
        bulk.set(Boolean.TRUE);
    }

    void endBulk() throws StoreException {
        bulk.set(Boolean.FALSE);
        Set<Path> dirs = bulkDirs.get();
        Set<Path> files = bulkFiles.get();
        try {
            // only what was written in bulk: an idle anti-entropy pass syncs nothing, a pass that wrote
            // one record syncs that file and its directory (not every file beside it)
            AtomicFiles.syncWritten(files, dirs);
            dirs.clear();
            files.clear();
        } catch (IOException e) {
            throw new StoreException("cannot sync the snapshot: " + e.getMessage(), e);
        }
    }

    /** Writes a record's file (replacing any); the bytes are the record's pretty-printed JSON. */
    void writeRecord(String kind, String key, Object value) throws StoreException {
        try {
            write(recordFile(kind, key), PRETTY.writeValueAsBytes(value), recordDir(kind));
        } catch (IOException e) {
            throw new StoreException("cannot write " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    /** Writes a record's file from its JSON as replicated (compact; it reads back as the same record). */
    void writeRecordJson(String kind, String key, String json) throws StoreException {
        try {
            write(recordFile(kind, key), json.getBytes(StandardCharsets.UTF_8), recordDir(kind));
        } catch (IOException e) {
            throw new StoreException("cannot write " + kind + " " + key + ": " + e.getMessage(), e);
        }
    }

    /** Rewrites a record's file as it was read, at its current key's path (an older key scheme). */
    void rewriteRecord(String kind, String key, byte[] data) throws IOException {
        AtomicFiles.write(recordFile(kind, key), data, true);
    }

    /** Writes the tombstone of a delete (before the record's file goes: a crash in between leaves the delete). */
    void writeTombstone(String kind, String key, long revision) throws IOException {
        write(tombstoneFile(kind, key), JSON.writeValueAsBytes(new Tombstone(key, revision)), tombstoneDir(kind));
        if (bulk.get()) {
            bulkDirs.get().add(recordDir(kind));
        }
    }

    /** Deletes a record's file (durably); false when there was none. */
    boolean deleteRecord(String kind, String key) throws IOException {
        return AtomicFiles.delete(recordFile(kind, key));
    }

    /** Deletes a tombstone's file; a failure is logged (the tombstone expires again on the next open). */
    void deleteTombstone(String kind, String key) {
        try {
            AtomicFiles.delete(tombstoneFile(kind, key));
        } catch (IOException e) {
            log.warn("event=tombstone_delete_failed kind={} key={} cause={}", kind, key, e.toString());
        }
    }

    void writeSyncState(long millis) throws StoreException {
        try {
            AtomicFiles.write(syncFile(), JSON.writeValueAsBytes(new SyncState(millis)), true);
        } catch (IOException e) {
            throw new StoreException("cannot write the sync state: " + e.getMessage(), e);
        }
    }

    private void write(Path file, byte[] data, Path dir) throws IOException {
        boolean inBulk = bulk.get();
        AtomicFiles.write(file, data, !inBulk);
        if (inBulk) {
            bulkDirs.get().add(dir);
            bulkFiles.get().add(file);
        }
    }
}
