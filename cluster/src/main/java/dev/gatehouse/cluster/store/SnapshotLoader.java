package dev.gatehouse.cluster.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link FileStore}'s snapshot when it opens: tombstones (expired ones deleted), then every
 * record (a file that does not parse, or whose sealed secret does not open under its record's
 * associated data, is reported and skipped), then the sync state. Left-over temporary files of an
 * interrupted write are deleted; files of an older key scheme are re-keyed.
 */
final class SnapshotLoader {

    /** Under the store's name: its log lines are the file store's (operators and tests read them so). */
    private static final Logger log = LoggerFactory.getLogger(FileStore.class);

    private final SnapshotFiles files;
    private final Sealer sealer;
    private final HybridClock clock;
    private final LongPredicate expired;
    private final List<FileStore.LoadProblem> problems;

    SnapshotLoader(SnapshotFiles files, Sealer sealer, HybridClock clock, LongPredicate expired,
            List<FileStore.LoadProblem> problems) {
        this.files = files;
        this.sealer = sealer;
        this.clock = clock;
        this.expired = expired;
        this.problems = problems;
    }

    /** Fills {@code tombstones} and {@code live} (one map per kind, present and empty); returns the sync time, -1 when never. */
    long load(Map<String, Map<String, Long>> tombstones, Map<String, Map<String, Object>> live) throws IOException {
        for (String kind : RecordKinds.NAMES) {
            loadTombstones(kind, tombstones.get(kind));
        }
        for (RecordKind<?> kind : RecordKinds.ALL) {
            loadRecords(kind, live.get(kind.name()));
        }
        long newest = HybridClock.millis(clock.last());
        long syncedAt = newest == 0 ? -1 : newest; // a snapshot from before sync.json: as of its newest write
        Path sync = files.syncFile();
        if (Files.exists(sync)) {
            try {
                syncedAt = SnapshotFiles.JSON.readValue(Files.readAllBytes(sync), SnapshotFiles.SyncState.class)
                        .syncedAt();
            } catch (IOException | RuntimeException e) {
                reject(sync, "unreadable sync state (taken as of the newest write): " + e.getMessage());
            }
        }
        return syncedAt;
    }

    private void loadTombstones(String kind, Map<String, Long> into) throws IOException {
        Path dir = files.tombstoneDir(kind);
        Files.createDirectories(dir);
        try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
            for (Path f : list) {
                if (f.getFileName().toString().startsWith(".")) {
                    Files.deleteIfExists(f);
                    continue;
                }
                try {
                    SnapshotFiles.Tombstone t = SnapshotFiles.JSON.readValue(Files.readAllBytes(f),
                            SnapshotFiles.Tombstone.class);
                    if (expired.test(t.revision())) {
                        Files.deleteIfExists(f); // old enough that no copy can still be around to resurrect
                        continue;
                    }
                    clock.observe(t.revision());
                    into.put(t.key(), t.revision());
                } catch (IOException | RuntimeException e) {
                    reject(f, "unreadable tombstone: " + e.getMessage());
                }
            }
        }
    }

    private <T> void loadRecords(RecordKind<T> kind, Map<String, Object> into) throws IOException {
        Path dir = files.recordDir(kind.name());
        Files.createDirectories(dir);
        try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
            for (Path f : list) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") && name.contains(".tmp-")) {
                    Files.deleteIfExists(f); // an interrupted write: never acknowledged
                    continue;
                }
                if (!name.endsWith(".json")) {
                    continue;
                }
                try {
                    loadOne(kind, f, into);
                } catch (IOException | RuntimeException e) {
                    reject(f, "unreadable: " + e.getMessage());
                }
            }
        }
    }

    private <T> void loadOne(RecordKind<T> kind, Path f, Map<String, Object> into) throws IOException {
        byte[] data = Files.readAllBytes(f);
        T r = SnapshotFiles.JSON.readValue(data, kind.type());
        String key = kind.keyOf(r);
        if (kind.openedOnLoad()) {
            try {
                byte[] secret = sealer.open(kind.secret().sealed(r), kind.secret().aad(r));
                Arrays.fill(secret, (byte) 0);
            } catch (SealException e) {
                reject(f, kind.noun() + " " + key + ": sealed key " + e.getMessage());
                return;
            }
        }
        clock.observe(kind.revisionOf(r));
        into.put(key, r);
        if (!f.equals(files.recordFile(kind.name(), key))) {
            // written under an older key scheme (domain claims were keyed by name alone)
            files.rewriteRecord(kind.name(), key, data);
            Files.deleteIfExists(f);
            log.info("event=store_entry_rekeyed kind={} key={}", kind, key);
        }
    }

    private void reject(Path f, String reason) {
        problems.add(new FileStore.LoadProblem(f, reason));
        log.error("event=store_entry_rejected file={} reason={}", f, reason);
    }
}
