package dev.gatehouse.cluster.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A catch-up's bulk writes: the file-system flush it ends with, and what a reopened store finds. */
class BulkSyncTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Sealer sealer = Sealer.of(new byte[32]);

    @Test
    void theFileSystemFlushWorksHere(@TempDir Path dir) {
        // on Linux with JNA (every supported platform) a large bulk never falls back to per-file fsync
        assertThat(FileSystemSync.sync(dir)).isTrue();
    }

    @Test
    void aBulkOfManyRecordsAndDeletesIsThereAfterReopening(@TempDir Path dir) throws Exception {
        int n = AtomicFiles.SYNCFS_FROM + 10; // enough to take the file-system flush
        try (FileStore s = FileStore.open(dir, sealer)) {
            FileStoreAccess bulk = new FileStoreAccess(s);
            bulk.beginBulk();
            for (int i = 0; i < n; i++) {
                long rev = s.nextRevision();
                String json = JSON.writeValueAsString(
                        new TenantRecord("t" + i, "T" + i, List.of("*.t" + i + ".test"), rev, 0));
                // half parsed ahead (as a catch-up does on several threads), half parsed on apply
                Object parsed = i % 2 == 0 ? FileStoreAccess.parse(Records.TENANTS, "t" + i, json) : null;
                assertThat(bulk.apply(Records.TENANTS, "t" + i, rev, json, parsed)).isTrue();
            }
            assertThat(bulk.apply(Records.TENANTS, "t0", s.nextRevision(), null)).isTrue(); // a delete in the bulk
            bulk.endBulk();
            assertThat(s.records(RecordKinds.TENANTS)).hasSize(n - 1);
        }
        try (FileStore again = FileStore.open(dir, sealer)) {
            assertThat(again.records(RecordKinds.TENANTS)).hasSize(n - 1);
            assertThat(again.record(RecordKinds.TENANTS, "t0")).isEmpty();
            assertThat(again.record(RecordKinds.TENANTS, "t1")).map(TenantRecord::displayName).contains("T1");
            assertThat(again.loadProblems()).isEmpty();
        }
        try (var files = Files.list(dir.resolve("store").resolve(Records.TENANTS))) {
            assertThat(files.filter(f -> f.getFileName().toString().contains(".tmp-"))).isEmpty();
        }
    }
}
