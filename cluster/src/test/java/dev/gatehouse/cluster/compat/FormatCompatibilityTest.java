package dev.gatehouse.cluster.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.grid.GridValue;
import dev.gatehouse.cluster.grid.MapNames;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.FileStoreAccess;
import dev.gatehouse.cluster.store.HybridClock;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Records;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.testing.Trees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshots and grid values written by earlier releases open with this one (the version-skew policy:
 * release N reads N-1's records). Each directory under {@code src/test/resources/compat/} was written
 * by {@link CompatFixtures} with that release's code and is never regenerated; a new release adds its
 * own directory and its name to the list below.
 */
class FormatCompatibilityTest {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @TempDir
    Path dir;

    private Path copy(String release) throws Exception {
        Path from = Path.of("src/test/resources/compat", release);
        Path to = dir.resolve(release);
        Trees.copy(from, to);
        return to;
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void aSnapshotOfAnEarlierReleaseOpensWithEveryRecordAndItsKey(String release) throws Exception {
        Path data = copy(release);
        Sealer sealer = Sealer.of(CompatFixtures.KEY);
        long written = HybridClock.millis(Long.parseLong(Files.readAllLines(data.resolve("grid-values.tsv")).get(0)
                .split("\t")[2].split("\\|")[1]));
        // read as of an hour after the fixture was written, so its tombstone is still remembered
        Clock then = Clock.fixed(Instant.ofEpochMilli(written).plus(Duration.ofHours(1)), ZoneOffset.UTC);
        try (FileStore s = FileStore.open(data, sealer, then, FileStore.DEFAULT_TOMBSTONE_TTL)) {
            assertThat(s.loadProblems()).isEmpty();
            CertificateRecord c = s.record(RecordKinds.CERTIFICATES, "crt_compat").orElseThrow();
            assertThat(c.names()).containsExactly("shop.acme.test", "*.acme.test");
            assertThat(new String(sealer.open(c.sealedKey(), c.keyAad()), StandardCharsets.US_ASCII))
                    .isEqualTo("private key bytes");
            assertThat(s.tenant("acme").orElseThrow().displayName()).isEqualTo("Acme Corp");
            assertThat(s.record(RecordKinds.TOKENS, "tok_compat").orElseThrow().scope()).isEqualTo("tenant:acme");
            assertThat(s.record(RecordKinds.DOMAINS, "shop.acme.test@acme").orElseThrow().verified()).isTrue();
            assertThat(s.pools()).singleElement().satisfies(p -> assertThat(p.servers())
                    .containsExactly("10.0.0.5:8080", "backend.internal:8080"));
            assertThat(s.records(RecordKinds.ROUTES)).extracting(r -> r.host()).containsExactly("shop.acme.test");
            FileStoreAccess access = new FileStoreAccess(s);
            assertThat(access.isLive(Records.ROUTES, "gone.acme.test")).isFalse();
            assertThat(access.revisionOf(Records.ROUTES, "gone.acme.test")).as("the delete is remembered").isPositive();
            assertThat(s.nextRevision()).as("new revisions come after the snapshot's").isGreaterThan(c.revision());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void gridValuesOfAnEarlierReleaseDecodeToTheSnapshotsRecords(String release) throws Exception {
        Path data = copy(release);
        Sealer sealer = Sealer.of(CompatFixtures.KEY);
        List<String> lines = Files.readAllLines(data.resolve("grid-values.tsv"));
        assertThat(lines).hasSize(7);
        try (FileStore s = FileStore.open(data, sealer, Clock.systemUTC(), Duration.ofDays(36_500))) {
            FileStoreAccess access = new FileStoreAccess(s);
            for (String line : lines) {
                String[] f = line.split("\t");
                GridValue v = GridValue.decode(sealer, MapNames.of(f[0]), f[1], f[2]);
                assertThat(v.revision()).isEqualTo(access.revisionOf(f[0], f[1]));
                if (v.tombstone()) {
                    assertThat(access.jsonOf(f[0], f[1])).isNull();
                } else {
                    // as records, not as text: a later release may write more fields
                    Class<?> type = FileStoreAccess.type(f[0]);
                    assertThat(JSON.readValue(v.json(), type)).isEqualTo(JSON.readValue(access.jsonOf(f[0], f[1]), type));
                }
            }
        }
    }
}
