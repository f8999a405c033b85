package dev.gatehouse.cluster.grid;

import static dev.gatehouse.cluster.testing.StoreListeners.onOcspChanged;
import static dev.gatehouse.cluster.testing.TestKeys.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.MergingValue;
import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.FileStore;
import dev.gatehouse.cluster.store.RecordKind;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Sealer;
import dev.gatehouse.cluster.store.StoreListener;
import dev.gatehouse.cluster.testing.MutableClock;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several Hazelcast members in one JVM: replication, revisions, tombstones, catch-up, forged entries. */
class GridStoreTest {

    private static final Sealer CLUSTER = Sealer.of(filled(7));
    private static final Sealer LOCAL = Sealer.of(filled(1));
    @TempDir
    Path dir;
    private final List<HazelcastInstance> members = new ArrayList<>();
    private final List<GridStore> stores = new ArrayList<>();
    private final List<String> memberList = new ArrayList<>();
    private final String clusterName = "gh-test-" + System.nanoTime();

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void plan(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            memberList.add("127.0.0.1:" + freePort());
        }
    }

    private GridStore node(int i) throws Exception {
        return node(i, LOCAL, CLUSTER);
    }

    /** Member {@code i} of the plan, its snapshot sealed with {@code local} and its grid values with {@code cluster}. */
    private GridStore node(int i, Sealer local, Sealer cluster) throws Exception {
        int port = Integer.parseInt(memberList.get(i).split(":")[1]);
        HazelcastInstance hz = Grid.start(new GridSettings(clusterName, "127.0.0.1", port, memberList));
        members.add(hz);
        GridStore s = new GridStore(hz, FileStore.open(dir.resolve("n" + i), local), cluster).start();
        stores.add(s);
        return s;
    }

    /** Closes the first member started (and its store): the next one becomes the oldest member. */
    private void stopOldest() {
        stores.remove(0).close();
        members.remove(0).shutdown();
    }

    /** Removes the record on {@code from} and waits until the removal has replicated to every one of {@code others}. */
    private static void assertRemovalReplicates(GridStore from, RecordKind<?> kind, String key, GridStore... others)
            throws Exception {
        assertThat(from.remove(kind, key)).isTrue();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Arrays.stream(others).allMatch(other -> other.record(kind, key).isEmpty()));
    }

    @AfterEach
    void stop() {
        stores.forEach(GridStore::close);
        members.forEach(HazelcastInstance::shutdown);
    }

    private static CertificateRecord cert(String id, long revision, String name) {
        List<String> names = List.of(name);
        return new CertificateRecord(id, "t", names, revision, "chain",
                LOCAL.seal("key".getBytes(StandardCharsets.US_ASCII), CertificateRecord.keyAad(id, names, revision)),
                "ECDSA-P-256", 0, 1, "ff", "CN=x", "1", false, 0, 0);
    }

    @Test
    void writeOnOneNodeIsAppliedOnEveryNode() throws Exception {
        plan(3);
        GridStore a = node(0);
        GridStore b = node(1);
        GridStore c = node(2);
        List<String> heardOnC = new CopyOnWriteArrayList<>();
        c.addListener(new StoreListener() {
            @Override
            public void certificatePut(CertificateRecord r) {
                heardOnC.add(r.id());
            }
        });
        a.put(RecordKinds.CERTIFICATES, cert("c1", a.nextRevision(), "a.test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "c1").isPresent()
                && c.record(RecordKinds.CERTIFICATES, "c1").isPresent());
        await().atMost(Duration.ofSeconds(5)).until(() -> heardOnC.contains("c1"));
        assertRemovalReplicates(b, RecordKinds.CERTIFICATES, "c1", a, c);
    }

    @Test
    void valuesAreWrittenDeflatedOnlyWhileEveryMemberReadsThatFormat() throws Exception {
        plan(3);
        GridStore a = node(0);
        GridStore b = node(1);
        String map = MapNames.of("certificates");
        a.put(RecordKinds.CERTIFICATES, cert("f1", a.nextRevision(), "f1.test"));
        assertThat(members.get(0).<String, String>getMap(map).get("f1")).startsWith("v2|");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "f1").isPresent());

        // a member of the release before (it says nothing about the formats it reads) joins: back to V1
        Config old = Grid.config(new GridSettings(clusterName, "127.0.0.1",
                Integer.parseInt(memberList.get(2).split(":")[1]), memberList));
        old.getMemberAttributeConfig().removeAttribute(GridFormats.ATTRIBUTE);
        HazelcastInstance n1 = Hazelcast.newHazelcastInstance(old);
        members.add(n1);
        await().atMost(Duration.ofSeconds(10)).until(() -> members.get(0).getCluster().getMembers().size() == 3);
        assertThat(GridFormats.writable(members.get(0))).isEqualTo(GridValue.Format.V1);
        a.put(RecordKinds.CERTIFICATES, cert("f2", a.nextRevision(), "f2.test"));
        String f2 = members.get(0).<String, String>getMap(map).get("f2");
        assertThat(f2).startsWith("v1|");
        assertThat(n1.<String, String>getMap(map).get("f2")).as("what the older member reads").isEqualTo(f2);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "f2").isPresent());

        members.remove(n1);
        n1.shutdown();
        await().atMost(Duration.ofSeconds(10)).until(() -> GridFormats.writable(members.get(0)) == GridValue.Format.V2);
        a.put(RecordKinds.CERTIFICATES, cert("f3", a.nextRevision(), "f3.test"));
        assertThat(members.get(0).<String, String>getMap(map).get("f3")).startsWith("v2|");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "f3").isPresent());
        assertThat(b.record(RecordKinds.CERTIFICATES, "f1")).isPresent();
    }

    @Test
    void changesFromAnotherMemberReportTheirReplicationLagOwnWritesDoNot() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        List<Long> lagOnA = new CopyOnWriteArrayList<>();
        List<Long> lagOnB = new CopyOnWriteArrayList<>();
        a.onReplicationLag(lagOnA::add);
        b.onReplicationLag(lagOnB::add);
        long before = System.currentTimeMillis();
        a.put(RecordKinds.CERTIFICATES, cert("lag1", a.nextRevision(), "lag.test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !lagOnB.isEmpty());
        long bound = System.currentTimeMillis() - before;
        assertThat(lagOnB).hasSize(1);
        assertThat(lagOnB.get(0)).as("lag of one change, ms").isBetween(0L, bound);
        // a revision written "5 s ago" (a slow path, or a clock behind) shows as a 5 s lag
        long old = (System.currentTimeMillis() - 5_000) << 16;
        a.put(RecordKinds.CERTIFICATES, cert("lag2", old, "lag2.test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lagOnB.size() == 2);
        assertThat(lagOnB.get(1)).isGreaterThanOrEqualTo(5_000L);
        assertThat(lagOnA).as("a member's own writes are not replication").isEmpty();
    }

    @Test
    void anIdlePassComparesRevisionsAndFetchesNothing() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        for (int i = 0; i < 50; i++) {
            a.put(RecordKinds.CERTIFICATES, cert("idle" + i, a.nextRevision(), "idle" + i + ".test"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> b.certificates().size() == 50);
        b.reconcileNow();
        assertThat(b.lastPassCompared()).isGreaterThanOrEqualTo(50);
        assertThat(b.lastPassFetched()).as("entries fetched and opened by an idle pass").isZero();
        // a change after that: the next pass fetches exactly what differs, if the event has not applied it yet
        a.put(RecordKinds.CERTIFICATES, cert("later", a.nextRevision(), "later.test"));
        b.reconcileNow();
        assertThat(b.lastPassFetched()).isBetween(0L, 1L);
        assertThat(b.record(RecordKinds.CERTIFICATES, "later")).isPresent();
    }

    @Test
    void higherRevisionWinsAndTombstonesBeatOlderCopies() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        long r1 = a.nextRevision();
        long r2 = a.nextRevision();
        a.put(RecordKinds.CERTIFICATES, cert("c1", r2, "new.test"));
        b.put(RecordKinds.CERTIFICATES, cert("c1", r1, "old.test")); // older revision arrives later
        b.drainEvents();
        a.drainEvents();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "c1").map(CertificateRecord::names)
                .orElse(List.of()).contains("new.test"));
        assertThat(a.record(RecordKinds.CERTIFICATES, "c1").orElseThrow().names()).containsExactly("new.test");

        assertThat(a.remove(RecordKinds.CERTIFICATES, "c1")).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "c1").isEmpty());
        b.put(RecordKinds.CERTIFICATES, cert("c1", r2, "new.test")); // a stale copy of the deleted certificate: refused synchronously
        b.drainEvents();
        a.drainEvents();
        assertThat(a.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
        assertThat(b.record(RecordKinds.CERTIFICATES, "c1")).isEmpty();
    }

    @Test
    void startingNodeCatchesUpAndReseedsTheGridFromItsSnapshot(@TempDir Path offline) throws Exception {
        plan(2);
        GridStore a = node(0);
        a.put(RecordKinds.CERTIFICATES, cert("on-grid", a.nextRevision(), "g.test"));
        // node 1's snapshot holds something the grid never saw (written while the cluster was down)
        try (FileStore snapshot = FileStore.open(dir.resolve("n1"), LOCAL)) {
            snapshot.put(RecordKinds.CERTIFICATES, cert("only-local", snapshot.nextRevision(), "l.test"));
        }
        GridStore b = node(1);
        assertThat(b.record(RecordKinds.CERTIFICATES, "on-grid")).isPresent(); // caught up before start() returned
        await().atMost(Duration.ofSeconds(10)).until(() -> a.record(RecordKinds.CERTIFICATES, "only-local").isPresent());
    }

    @Test
    void entriesForgedWithoutTheClusterKeyAreRejectedCountedAndHealed() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        a.put(RecordKinds.CERTIFICATES, cert("victim", a.nextRevision(), "v.test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CERTIFICATES, "victim").isPresent());

        // a rogue member: joins the cluster (knows its name and address) but not the cluster key
        HazelcastInstance rogue = Grid.start(new GridSettings(clusterName, "127.0.0.1", freePort(), memberList));
        members.add(rogue);
        Sealer wrongKey = Sealer.of(filled(9));
        String map = MapNames.of("certificates");
        rogue.<String, String>getMap(map).put("forged", GridValue.encode(wrongKey, map, "forged",
                Long.MAX_VALUE / 4, "{\"id\":\"forged\"}"));
        rogue.<String, String>getMap(map).put("victim", "v1|" + (Long.MAX_VALUE / 4) + "|1|x|y|z");

        await().atMost(Duration.ofSeconds(10)).until(() -> a.rejectedEntries() >= 2 && b.rejectedEntries() >= 2);
        a.drainEvents();
        b.drainEvents();
        assertThat(a.record(RecordKinds.CERTIFICATES, "forged")).isEmpty();
        assertThat(b.record(RecordKinds.CERTIFICATES, "forged")).isEmpty();
        assertThat(a.record(RecordKinds.CERTIFICATES, "victim")).isPresent(); // the forged tombstone was not applied
        assertThat(b.record(RecordKinds.CERTIFICATES, "victim")).isPresent();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String healed = rogue.<String, String>getMap(map).get("victim");
            try {
                return GridValue.decode(CLUSTER, map, "victim", healed).json() != null;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void valuesSealedWithTheRetiredClusterKeyAreResealedInTheBackground() throws Exception {
        plan(2);
        GridStore a = node(0); // seals with CLUSTER only
        long rev = a.nextRevision();
        List<String> names = List.of("r.test");
        a.put(RecordKinds.CERTIFICATES, new CertificateRecord("c1", "t", names, rev, "chain",
                CLUSTER.seal("key".getBytes(StandardCharsets.US_ASCII), CertificateRecord.keyAad("c1", names, rev)),
                "ECDSA-P-256", 0, 1, "ff", "CN=x", "1", false, 0, 0));
        Sealer rotated = Sealer.of(filled(8), filled(7)); // new key first, the old one still opens
        GridStore b = node(1, rotated, rotated);
        HazelcastInstance hz = members.get(1);
        assertThat(b.record(RecordKinds.CERTIFICATES, "c1")).isPresent();
        stopOldest(); // b is now the oldest member: it re-seals
        String map = MapNames.of("certificates");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                rotated.sealingKeyId().equals(GridValue.keyIdOf(hz.<String, String>getMap(map).get("c1"))));
        b.drainEvents();
        CertificateRecord resealed = b.record(RecordKinds.CERTIFICATES, "c1").orElseThrow();
        assertThat(resealed.revision()).isGreaterThan(rev);
        assertThat(resealed.sealedKey().keyId()).isEqualTo(rotated.sealingKeyId());
        assertThat(new String(rotated.open(resealed.sealedKey(), resealed.keyAad()), StandardCharsets.US_ASCII))
                .isEqualTo("key");
    }

    @Test
    void mergeKeepsTheHigherRevision() {
        HigherRevisionMergePolicy p = new HigherRevisionMergePolicy();
        assertThat(p.merge(value("v1|5|0|k|n|c"), value("v1|7|0|k|n|c"))).isEqualTo("v1|7|0|k|n|c");
        assertThat(p.merge(value("v1|9|1|k|n|c"), value("v1|7|0|k|n|c"))).isEqualTo("v1|9|1|k|n|c");
        assertThat(p.merge(value("v1|9|0|k|n|c"), null)).isEqualTo("v1|9|0|k|n|c");
        assertThat(p.merge(value("garbage"), value("v1|1|0|k|n|c"))).isEqualTo("v1|1|0|k|n|c");
    }

    private static MergingValue<Object> value(String v) {
        return new MergingValue<>() {
            @Override
            public Object getRawValue() {
                return v;
            }

            @Override
            public Object getDeserializedValue() {
                return v;
            }
        };
    }

    @Test
    void eventsWebhooksAndDeliveryStateReplicateAndEventsAreAnnounced() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        List<String> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
        b.addListener(new StoreListener() {
            @Override
            public void eventAdded(dev.gatehouse.cluster.store.EventRecord e) {
                announced.add(e.id());
            }
        });
        a.put(RecordKinds.EVENTS, new dev.gatehouse.cluster.store.EventRecord("evt_1", 1, "domain.verified", "t", "a.test",
                java.util.Map.of("name", "a.test"), "n0", 1L, a.nextRevision()));
        a.put(RecordKinds.WEBHOOKS, new dev.gatehouse.cluster.store.WebhookRecord("whk_1", "t", "https://h.test/", List.of(),
                CLUSTER.seal("s".getBytes(StandardCharsets.US_ASCII), "webhook-secret:whk_1"), 0, 1L, null,
                a.nextRevision(), false));
        a.put(RecordKinds.WEBHOOK_DELIVERIES, new dev.gatehouse.cluster.store.WebhookDeliveryRecord("whk_1", 1, 1, 0, null, 1L, 200,
                null, 0, a.nextRevision()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.EVENTS, "evt_1").isPresent()
                && b.record(RecordKinds.WEBHOOKS, "whk_1").isPresent() && b.record(RecordKinds.WEBHOOK_DELIVERIES, "whk_1").isPresent());
        assertThat(b.record(RecordKinds.EVENTS, "evt_1").orElseThrow().data()).containsEntry("name", "a.test");
        assertThat(announced).containsExactly("evt_1");
        assertRemovalReplicates(b, RecordKinds.EVENTS, "evt_1", a);
        assertRemovalReplicates(b, RecordKinds.WEBHOOKS, "whk_1", a);
    }

    @Test
    void ocspStateReplicatesAndIsAnnouncedOnTheOtherNode() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        List<String> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
        b.addListener(onOcspChanged(announced::add));
        a.put(RecordKinds.OCSP_RESPONSES, new dev.gatehouse.cluster.store.OcspResponseRecord("crt_1", "ab12", "http://ocsp.test/",
                "MAMKAQA=", 1L, 2L, 1L, 0, null, 1L, 2L, a.nextRevision()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.OCSP_RESPONSES, "crt_1").isPresent());
        assertThat(b.record(RecordKinds.OCSP_RESPONSES, "crt_1").orElseThrow().responder()).isEqualTo("http://ocsp.test/");
        await().atMost(Duration.ofSeconds(10)).until(() -> announced.contains("crt_1"));
        assertRemovalReplicates(b, RecordKinds.OCSP_RESPONSES, "crt_1", a);
    }

    @Test
    void aWebhookSecretSealedWithTheRetiredClusterKeyIsResealed() throws Exception {
        plan(2);
        GridStore a = node(0);
        long rev = a.nextRevision();
        a.put(RecordKinds.WEBHOOKS, new dev.gatehouse.cluster.store.WebhookRecord("whk_1", "t", "https://h.test/", List.of(),
                CLUSTER.seal("whsec_x".getBytes(StandardCharsets.US_ASCII), "webhook-secret:whk_1"), 0, 1L, null, rev,
                true));
        Sealer rotated = Sealer.of(filled(8), filled(7));
        GridStore b = node(1, rotated, rotated);
        HazelcastInstance hz = members.get(1);
        stopOldest();
        String map = MapNames.of("webhooks");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                rotated.sealingKeyId().equals(GridValue.keyIdOf(hz.<String, String>getMap(map).get("whk_1"))));
        b.drainEvents();
        dev.gatehouse.cluster.store.WebhookRecord w = b.record(RecordKinds.WEBHOOKS, "whk_1").orElseThrow();
        assertThat(w.revision()).isGreaterThan(rev);
        assertThat(w.restricted()).isTrue();
        assertThat(w.sealedSecret().keyId()).isEqualTo(rotated.sealingKeyId());
        assertThat(new String(rotated.open(w.sealedSecret(), w.secretAad()), StandardCharsets.US_ASCII))
                .isEqualTo("whsec_x");
    }

    @Test
    void challengeWrittenOnOneNodeIsReadableOnTheOther() throws Exception {
        plan(2);
        GridStore a = node(0);
        GridStore b = node(1);
        a.put(RecordKinds.CHALLENGES, new dev.gatehouse.cluster.store.ChallengeRecord("tok", "tok.thumb", "a.test", 0,
                a.nextRevision()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.record(RecordKinds.CHALLENGES, "tok").isPresent());
        assertRemovalReplicates(b, RecordKinds.CHALLENGES, "tok", a);
    }

    @Test
    void leaseHasOneHolderUntilItExpiresOrIsReleased() throws Exception {
        plan(2);
        node(0);
        node(1);
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_000_000));
        var onA = new dev.gatehouse.cluster.lease.GridLeases(members.get(0), clock);
        var onB = new dev.gatehouse.cluster.lease.GridLeases(members.get(1), clock);
        Duration ttl = Duration.ofSeconds(30);
        assertThat(onA.tryAcquire("acme", "a", ttl)).isTrue();
        assertThat(onB.tryAcquire("acme", "b", ttl)).isFalse();
        clock.advance(Duration.ofSeconds(20));
        assertThat(onA.tryAcquire("acme", "a", ttl)).as("the holder extends").isTrue();
        clock.advance(Duration.ofSeconds(20));
        assertThat(onB.tryAcquire("acme", "b", ttl)).as("extended, not expired").isFalse();
        assertThat(onB.holder("acme")).get().extracting(h -> h.owner()).isEqualTo("a");
        clock.advance(Duration.ofSeconds(31));
        assertThat(onB.tryAcquire("acme", "b", ttl)).as("expired: taken over").isTrue();
        assertThat(onA.tryAcquire("acme", "a", ttl)).isFalse();
        onB.release("acme", "b");
        assertThat(onA.tryAcquire("acme", "a", ttl)).as("released: free at once").isTrue();
    }
}
