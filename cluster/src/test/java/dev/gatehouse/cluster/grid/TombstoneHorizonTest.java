package dev.gatehouse.cluster.grid;

import static dev.gatehouse.cluster.testing.TestKeys.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hazelcast.core.HazelcastInstance;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Records;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.TokenRecord;
import dev.gatehouse.cluster.testing.MutableClock;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Deletions stay deleted: several Hazelcast members in one JVM on one movable clock. Tombstones
 * expire after their lifetime in the grid and on disk; a store away longer than that does not
 * bring back deleted certificates nor revoked tokens; one away for less still pushes what it has
 * newer; a full-cluster restart from snapshots loses nothing.
 */
class TombstoneHorizonTest {

    private static final Duration TTL = Duration.ofDays(7);
    private static final Sealer CLUSTER = Sealer.of(filled(7));
    private static final String CERTS = MapNames.of(Records.CERTIFICATES);
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock();
    private final List<String> memberList = new ArrayList<>();
    private final HazelcastInstance[] members = new HazelcastInstance[3];
    private final GridStore[] stores = new GridStore[3];
    private final String clusterName = "gh-horizon-" + System.nanoTime();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final ch.qos.logback.classic.Logger gridLog =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(GridStore.class);

    @BeforeEach
    void plan() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                memberList.add("127.0.0.1:" + s.getLocalPort());
            }
        }
        logs.start();
        gridLog.addAppender(logs);
        gridLog.setLevel(Level.DEBUG);
    }

    @AfterEach
    void stopAll() {
        for (int i = 0; i < 3; i++) {
            stop(i);
        }
        gridLog.detachAppender(logs);
        gridLog.setLevel(null);
    }

    private GridStore start(int i) throws Exception {
        int port = Integer.parseInt(memberList.get(i).split(":")[1]);
        members[i] = Grid.start(new GridSettings(clusterName, "127.0.0.1", port, memberList));
        stores[i] = new GridStore(members[i], snapshot(i), CLUSTER).start();
        return stores[i];
    }

    /** Node i's local snapshot, opened on the shared clock. */
    private FileStore snapshot(int i) throws Exception {
        return FileStore.open(dir.resolve("n" + i), CLUSTER, clock, TTL);
    }

    private void stop(int i) {
        if (stores[i] != null) {
            stores[i].close();
            stores[i] = null;
        }
        if (members[i] != null) {
            members[i].shutdown();
            members[i] = null;
        }
    }

    private static CertificateRecord cert(String id, long revision) {
        List<String> names = List.of(id + ".test");
        return new CertificateRecord(id, "t", names, revision, "chain",
                CLUSTER.seal("key".getBytes(StandardCharsets.US_ASCII), CertificateRecord.keyAad(id, names, revision)),
                "ECDSA-P-256", 0, 1, "ff", "CN=x", "1", false, 0, 0);
    }

    private static TokenRecord token(String id, long revision) {
        return new TokenRecord(id, "hash-" + id, "tenant:t", "", 0, false, revision, 0);
    }

    private List<String> logLines() {
        synchronized (logs) {
            return logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        }
    }

    private long diskTombstones(int node, String kind) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("n" + node).resolve("store/tombstones").resolve(kind))) {
            return files.count();
        }
    }

    /** Writes certificate {@code id} on {@code on} and waits until {@code seenBy} has it. */
    private static void putReplicated(GridStore on, String id, GridStore seenBy) throws Exception {
        on.put(RecordKinds.CERTIFICATES, cert(id, on.nextRevision()));
        await().atMost(Duration.ofSeconds(10)).until(() -> seenBy.record(RecordKinds.CERTIFICATES, id).isPresent());
    }

    private void reconcileEverywhere() throws Exception {
        for (GridStore s : stores) {
            if (s != null) {
                s.reconcileNow();
            }
        }
    }

    @Test
    void tombstonesExpireInTheGridAndOnDiskAfterTheirLifetime() throws Exception {
        GridStore a = start(0);
        GridStore b = start(1);
        putReplicated(a, "c1", b);
        assertThat(b.remove(RecordKinds.CERTIFICATES, "c1")).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.record(RecordKinds.CERTIFICATES, "c1").isEmpty());
        a.drainEvents();
        assertThat(GridValue.decode(CLUSTER, CERTS, "c1", members[0].<String, String>getMap(CERTS).get("c1"))
                .tombstone()).isTrue();
        assertThat(diskTombstones(0, Records.CERTIFICATES)).isOne();

        clock.advance(TTL.minusHours(1));
        reconcileEverywhere();
        assertThat(members[0].<String, String>getMap(CERTS).containsKey("c1")).as("still within the lifetime").isTrue();
        assertThat(diskTombstones(0, Records.CERTIFICATES)).isOne();

        clock.advance(Duration.ofHours(2));
        reconcileEverywhere();
        assertThat(members[0].<String, String>getMap(CERTS).containsKey("c1")).as("forgotten in the grid").isFalse();
        assertThat(diskTombstones(0, Records.CERTIFICATES)).isZero();
        assertThat(diskTombstones(1, Records.CERTIFICATES)).isZero();
        assertThat(a.prunedGridTombstones() + b.prunedGridTombstones()).isOne();
        assertThat(a.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
        assertThat(b.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
    }

    @Test
    void storeAwayLongerThanTheLifetimeBringsBackNeitherDeletedCertificatesNorRevokedTokens() throws Exception {
        GridStore a = start(0);
        start(1);
        GridStore c = start(2);
        a.put(RecordKinds.CERTIFICATES, cert("deleted", a.nextRevision()));
        a.put(RecordKinds.CERTIFICATES, cert("kept", a.nextRevision()));
        a.put(RecordKinds.TOKENS, token("revoked", a.nextRevision()));
        a.put(RecordKinds.TOKENS, token("rewritten", a.nextRevision()));
        await().atMost(Duration.ofSeconds(10)).until(() -> c.record(RecordKinds.CERTIFICATES, "deleted").isPresent()
                && c.record(RecordKinds.CERTIFICATES, "kept").isPresent() && c.record(RecordKinds.TOKENS, "revoked").isPresent() && c.record(RecordKinds.TOKENS, "rewritten").isPresent());
        stop(2);

        // while node 2 is away: a delete and two revocations, then the lifetime passes
        assertThat(a.remove(RecordKinds.CERTIFICATES, "deleted")).isTrue();
        a.put(RecordKinds.TOKENS, a.record(RecordKinds.TOKENS, "revoked").orElseThrow().revoke(a.nextRevision()));
        a.put(RecordKinds.TOKENS, a.record(RecordKinds.TOKENS, "rewritten").orElseThrow().revoke(a.nextRevision()));
        clock.advance(TTL.plusDays(1));
        reconcileEverywhere(); // the oldest member forgets the tombstone
        assertThat(members[0].<String, String>getMap(CERTS).containsKey("deleted")).isFalse();
        // node 2's snapshot meanwhile: the token rewritten unrevoked at a newer revision (say, restored by hand)
        try (FileStore offline = snapshot(2)) {
            offline.put(RecordKinds.TOKENS, token("rewritten", offline.nextRevision() + (1L << 32)));
        }

        GridStore back = start(2);
        for (GridStore s : List.of(a, stores[1], back)) {
            s.drainEvents();
            assertThat(s.record(RecordKinds.CERTIFICATES, "deleted")).isEmpty();
            assertThat(s.record(RecordKinds.CERTIFICATES, "kept")).isPresent();
            assertThat(s.record(RecordKinds.TOKENS, "revoked").orElseThrow().revoked()).isTrue();
            assertThat(s.record(RecordKinds.TOKENS, "rewritten").orElseThrow().revoked()).isTrue();
        }
        assertThat(members[0].<String, String>getMap(CERTS).containsKey("deleted")).as("not pushed back").isFalse();
        assertThat(logLines()).anyMatch(l -> l.startsWith("WARN event=stale_records_dropped kind=certificates dropped=1 ")
                && l.contains("away=PT"));
        assertThat(logLines()).anyMatch(l -> l.startsWith("WARN event=stale_records_dropped kind=tokens dropped=1 "));
        assertThat(logLines()).anyMatch(l -> l.equals("DEBUG event=stale_record_dropped kind=certificates key=deleted "
                + "grid=absent"));
        assertThat(logLines()).anyMatch(l -> l.equals("DEBUG event=stale_record_dropped kind=tokens key=rewritten "
                + "grid=revoked"));
        assertThat(logLines()).noneMatch(l -> l.contains("hash-") || l.contains("chain"));
    }

    @Test
    void storeAwayLessThanTheLifetimeStillPushesItsNewerRecords() throws Exception {
        GridStore a = start(0);
        GridStore b = start(1);
        putReplicated(a, "shared", b);
        stop(1);
        clock.advance(TTL.minusDays(1));
        long newer;
        try (FileStore offline = snapshot(1)) {
            offline.put(RecordKinds.CERTIFICATES, cert("only-local", offline.nextRevision()));
            newer = offline.nextRevision();
            offline.put(RecordKinds.CERTIFICATES, cert("shared", newer));
        }
        start(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.record(RecordKinds.CERTIFICATES, "only-local").isPresent()
                && a.record(RecordKinds.CERTIFICATES, "shared").orElseThrow().revision() == newer);
        assertThat(logLines()).noneMatch(l -> l.contains("stale_record"));
    }

    @Test
    void fullClusterRestartFromSnapshotsLosesNothingEvenAfterTheLifetime() throws Exception {
        GridStore a = start(0);
        GridStore b = start(1);
        for (int i = 0; i < 5; i++) {
            a.put(RecordKinds.CERTIFICATES, cert("c" + i, a.nextRevision()));
        }
        a.put(RecordKinds.TOKENS, token("k", a.nextRevision()));
        assertThat(a.remove(RecordKinds.CERTIFICATES, "c4")).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.certificates().size() == 4 && b.record(RecordKinds.TOKENS, "k").isPresent());
        b.drainEvents();
        stop(0);
        stop(1);

        // the whole cluster down for a day: each snapshot re-seeds, and node 1's offline write survives
        clock.advance(Duration.ofDays(1));
        try (FileStore offline = snapshot(1)) {
            offline.put(RecordKinds.CERTIFICATES, cert("written-while-down", offline.nextRevision()));
        }
        start(0);
        start(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> stores[0].certificates().size() == 5);
        stop(0);
        stop(1);

        // and down longer than the lifetime: the first node seeds the empty grid, nothing is lost
        clock.advance(TTL.plusDays(1));
        GridStore first = start(1);
        GridStore second = start(0);
        for (GridStore s : List.of(first, second)) {
            s.drainEvents();
            assertThat(s.certificates()).extracting(CertificateRecord::id)
                    .containsExactlyInAnyOrder("c0", "c1", "c2", "c3", "written-while-down");
            assertThat(s.record(RecordKinds.TOKENS, "k")).isPresent();
        }
        assertThat(members[1].<String, String>getMap(CERTS).size()).isEqualTo(5);
    }

    @Test
    void aSnapshotALifetimeOlderThatSeedsTheGridFirstIsCorrectedByTheFresherNode() throws Exception {
        GridStore a = start(0);
        GridStore b = start(1);
        a.put(RecordKinds.CERTIFICATES, cert("deleted", a.nextRevision()));
        a.put(RecordKinds.CERTIFICATES, cert("kept", a.nextRevision()));
        a.put(RecordKinds.TOKENS, token("revoked", a.nextRevision()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.certificates().size() == 2 && b.record(RecordKinds.TOKENS, "revoked").isPresent());
        stop(1); // node 1's snapshot is now the old one
        assertThat(a.remove(RecordKinds.CERTIFICATES, "deleted")).isTrue();
        a.put(RecordKinds.TOKENS, a.record(RecordKinds.TOKENS, "revoked").orElseThrow().revoke(a.nextRevision()));
        clock.advance(TTL.plusDays(1));
        a.reconcileNow(); // forgets the delete, on disk and in the grid
        stop(0);

        // the whole cluster was down; the old snapshot happens to start first and seeds the empty grid
        GridStore old = start(1);
        assertThat(old.record(RecordKinds.CERTIFICATES, "deleted")).isPresent();
        GridStore fresher = start(0);
        for (GridStore s : List.of(old, fresher)) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(s.record(RecordKinds.CERTIFICATES, "deleted")).isEmpty();
                assertThat(s.record(RecordKinds.CERTIFICATES, "kept")).isPresent();
                assertThat(s.record(RecordKinds.TOKENS, "revoked").orElseThrow().revoked()).isTrue();
            });
        }
        assertThat(logLines()).anyMatch(l -> l.startsWith("WARN event=stale_seed_records_deleted kind=certificates "
                + "deleted=1 "));
    }
}
